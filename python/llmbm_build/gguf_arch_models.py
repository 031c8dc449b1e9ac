"""Synthetic GGUF models of each architecture the engine reads, shaped like what llama.cpp's
converter writes for the real family: the same metadata keys and tensor names, random weights.

    python3 -m llmbm_build.gguf_arch_models OUT.gguf --arch qwen3 [--type q8_0]

One :class:`ArchSpec` per family says what differs from llama (head size, tied classifier,
biases, Q/K norms, extra metadata, llama3 rope factors); one writer does the rest. Matrices are
stored in the requested type (``gguf_models.encode_matrix``: gguf-py's quantizer, or random
valid K-quant blocks); norms, biases and rope factors stay f32. A small SentencePiece-style
vocabulary is written because llama.cpp refuses a model without one (the engine's ``llmbm
logits`` ignores it). The tests compare the engine with llama.cpp on these files, so no NumPy
reference is needed: llama.cpp is the reference.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import gguf
import numpy as np
import numpy.typing as npt
from gguf import GGMLQuantizationType as QT

from llmbm_build.gguf_models import WEIGHT_TYPES, encode_matrix

F32 = npt.NDArray[np.float32]
MetaValue = float | int | bool | str


@dataclass(frozen=True)
class ArchShape:
    """Tiny dims whose rows K-quants can hold (multiples of 256), GQA, several layers."""

    dim: int = 256
    hidden_dim: int = 512
    n_layers: int = 4
    n_heads: int = 4
    n_kv_heads: int = 2
    vocab_size: int = 256
    context_length: int = 128


@dataclass(frozen=True)
class ArchSpec:
    arch: str
    head_size: int | None = None  # attention.key_length; None: dim / n_heads
    tied: bool = True  # no output.weight: the classifier is the token embedding
    rope_theta: float = 10000.0
    norm_eps: float = 1e-6
    qkv_bias: bool = False
    qk_norm: bool = False
    llama3_rope: bool = False  # rope_freqs.weight from Llama 3.x's rope_scaling
    post_norms: bool = False  # post_attention_norm / post_ffw_norm (gemma)
    n_layers: int | None = None  # overrides ArchShape.n_layers (gemma3 needs 6 for a global layer)
    rope_dims: int | None = None  # rope.dimension_count when only part of a head rotates
    fused: bool = False  # attn_qkv and a gate+up ffn_up (2 x hidden rows, gate first): phi3
    # LongRoPE: rope_factors_short/long, rope.scaling.original_context_length, attn_factor
    longrope_original_context: int | None = None
    # {arch}.<suffix> keys beyond the common ones (f32 for float, u32 for int, bool, string)
    metadata: dict[str, MetaValue] = field(default_factory=dict)


SPECS: dict[str, ArchSpec] = {
    # SmolLM2 / TinyLlama-like
    "llama": ArchSpec("llama", tied=False, norm_eps=1e-5),
    # Llama-3.2-1B/3B: tied, base 500000, rope_freqs for rope_type llama3 (factor 32)
    "llama3": ArchSpec("llama", rope_theta=500000.0, norm_eps=1e-5, llama3_rope=True),
    # Qwen2.5-0.5B
    "qwen2": ArchSpec("qwen2", rope_theta=1000000.0, qkv_bias=True),
    # Qwen3-0.6B: head_dim 128 with dim 1024 and 16 heads, so q is wider than the residual
    "qwen3": ArchSpec("qwen3", head_size=128, rope_theta=1000000.0, qk_norm=True),
    # SmolLM3-3B (its file stores no key for the NoPE layers: llama.cpp hard-codes every 4th)
    "smollm3": ArchSpec("smollm3", rope_theta=5000000.0),
    # granite-3.x-2b-instruct's multipliers
    "granite": ArchSpec(
        "granite",
        norm_eps=1e-5,
        metadata={
            "embedding_scale": 12.0,
            "residual_scale": 0.22,
            "attention.scale": 0.0078125,
            "logit_scale": 8.0,
        },
    ),
    # Phi-3.5-mini-like: fused QKV and gate+up, untied, LongRoPE whose original context (4096)
    # is above the tests' contexts (llama.cpp's is its n_ctx rounded up to 256): short factors
    "phi3": ArchSpec("phi3", tied=False, norm_eps=1e-5, fused=True, longrope_original_context=4096),
    # Phi-4-mini-like: tied, 3/4 of each head rotates; an original context of 32 is below both
    # programs' contexts, so the long factors apply
    "phi4mini": ArchSpec(
        "phi3", rope_dims=48, norm_eps=1e-5, fused=True, longrope_original_context=32, rope_theta=250000.0
    ),
    # Gemma-3-4B-like: head 256, 5 local : 1 global layers, global RoPE base 1e6 with linear
    # scaling 8; the window is shrunk to 16 so that the tests' 42 positions cross it.
    # Norm weights as the converter stores them (gemma's 1 + w already added).
    "gemma3": ArchSpec(
        "gemma3",
        head_size=256,
        rope_theta=1000000.0,
        qk_norm=True,
        post_norms=True,
        n_layers=7,
        metadata={"attention.sliding_window": 16, "rope.scaling.type": "linear", "rope.scaling.factor": 8.0},
    ),
    # Gemma-2-2B-like: head 256, sliding window (shrunk to 16) on even layers, soft-capping.
    "gemma2": ArchSpec(
        "gemma2",
        head_size=256,
        post_norms=True,
        metadata={
            "attention.sliding_window": 16,
            "attn_logit_softcapping": 50.0,
            "final_logit_softcapping": 30.0,
        },
    ),
}


def llama3_rope_factors(
    head_size: int,
    theta: float,
    factor: float = 32.0,
    low_freq_factor: float = 1.0,
    high_freq_factor: float = 4.0,
    original_context: int = 8192,
) -> F32:
    """The divisors convert_hf_to_gguf.py writes as rope_freqs.weight for rope_type llama3."""
    low_wavelen = original_context / low_freq_factor
    high_wavelen = original_context / high_freq_factor
    out = []
    for i in range(0, head_size, 2):
        wavelen = 2 * math.pi / (1.0 / theta ** (i / head_size))
        if wavelen < high_wavelen:
            out.append(1.0)
        elif wavelen > low_wavelen:
            out.append(factor)
        else:
            smooth = (original_context / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


def _add_vocab(writer: gguf.GGUFWriter, n: int) -> None:
    tokens = ["<unk>", "<s>", "</s>"] + [f"t{i}" for i in range(3, n)]
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([-float(i) for i in range(n)])
    writer.add_token_types([2, 3, 3] + [1] * (n - 3))  # unknown, control, control, normal...
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)


def _add_metadata(writer: gguf.GGUFWriter, key: str, value: MetaValue) -> None:
    if isinstance(value, bool):
        writer.add_bool(key, value)
    elif isinstance(value, str):
        writer.add_string(key, value)
    elif isinstance(value, int):
        writer.add_uint32(key, value)
    else:
        writer.add_float32(key, value)


def write_arch_model(
    path: Path,
    name: str,
    qtype: QT = QT.F32,
    seed: int = 0,
    shape: ArchShape = ArchShape(),
    omit: tuple[str, ...] = (),
) -> ArchSpec:
    """Writes SPECS[name] at `shape` with every matrix stored as `qtype`; returns the spec.
    `omit` leaves out tensors or the spec's own metadata keys by full name (bad-input tests)."""
    spec = SPECS[name]
    s = shape if spec.n_layers is None else replace(shape, n_layers=spec.n_layers)
    hs = spec.head_size or s.dim // s.n_heads
    q_dim, kv_dim = s.n_heads * hs, s.n_kv_heads * hs
    rng = np.random.default_rng(seed)
    arch = spec.arch
    writer = gguf.GGUFWriter(str(path), arch)
    # not the family's name: llama.cpp's vocabulary loader special-cases names like "phi3"
    writer.add_name("llmbm synthetic model")
    writer.add_file_type(int(qtype))
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    writer.add_vocab_size(s.vocab_size)
    writer.add_context_length(s.context_length)
    writer.add_embedding_length(s.dim)
    writer.add_feed_forward_length(s.hidden_dim)
    writer.add_block_count(s.n_layers)
    writer.add_head_count(s.n_heads)
    writer.add_head_count_kv(s.n_kv_heads)
    writer.add_key_length(hs)
    writer.add_value_length(hs)
    rope_dims = spec.rope_dims or hs
    writer.add_rope_dimension_count(rope_dims)
    if spec.longrope_original_context is not None:
        scale = s.context_length / spec.longrope_original_context
        attn_factor = (
            math.sqrt(1 + math.log(scale) / math.log(spec.longrope_original_context)) if scale > 1 else 1.0
        )
        writer.add_rope_scaling_orig_ctx_len(spec.longrope_original_context)
        writer.add_rope_scaling_attn_factors(attn_factor)
    writer.add_rope_freq_base(spec.rope_theta)
    writer.add_layer_norm_rms_eps(spec.norm_eps)
    for suffix, value in spec.metadata.items():
        if f"{arch}.{suffix}" not in omit:
            _add_metadata(writer, f"{arch}.{suffix}", value)
    _add_vocab(writer, s.vocab_size)

    def matrix(tname: str, rows: int, cols: int, std: float | None = None) -> None:
        w = (rng.standard_normal((rows, cols)) * (std if std is not None else 0.8 / np.sqrt(cols))).astype(
            np.float32
        )
        data, _ = encode_matrix(rng, w, qtype)
        if tname not in omit:
            writer.add_tensor(tname, data, raw_dtype=None if qtype in (QT.F32, QT.F16) else qtype)

    def vector(tname: str, n: int, mean: float = 1.0, std: float = 0.1) -> None:
        v = (mean + std * rng.standard_normal(n)).astype(np.float32)
        if tname not in omit:
            writer.add_tensor(tname, v)

    matrix("token_embd.weight", s.vocab_size, s.dim, std=0.5)
    factors: dict[str, F32] = {}
    if spec.llama3_rope:
        # Llama 3.2's factor 32 and low/high frequency factors 1 and 4, but an original context
        # of 64 rather than 8192, so that the scaled pairs turn visibly within 42 positions
        factors["rope_freqs.weight"] = llama3_rope_factors(hs, spec.rope_theta, original_context=64)
    if spec.longrope_original_context is not None:
        # Phi-3.5's factors grow from ~1 to ~40 (long) and ~1 to ~3 (short) along the pairs
        ramp = np.linspace(0, 1, rope_dims // 2)
        factors["rope_factors_long.weight"] = (1 + 40 * ramp**2).astype(np.float32)
        factors["rope_factors_short.weight"] = (1 + 2 * ramp**2).astype(np.float32)
    for tname, value in factors.items():
        if tname not in omit:
            writer.add_tensor(tname, value)
    for b in range(s.n_layers):
        vector(f"blk.{b}.attn_norm.weight", s.dim)
        if spec.fused:
            matrix(f"blk.{b}.attn_qkv.weight", q_dim + 2 * kv_dim, s.dim)
        else:
            matrix(f"blk.{b}.attn_q.weight", q_dim, s.dim)
            matrix(f"blk.{b}.attn_k.weight", kv_dim, s.dim)
            matrix(f"blk.{b}.attn_v.weight", kv_dim, s.dim)
        if spec.qkv_bias:
            vector(f"blk.{b}.attn_q.bias", q_dim, 0.0, 0.2)
            vector(f"blk.{b}.attn_k.bias", kv_dim, 0.0, 0.2)
            vector(f"blk.{b}.attn_v.bias", kv_dim, 0.0, 0.2)
        if spec.qk_norm:
            vector(f"blk.{b}.attn_q_norm.weight", hs)
            vector(f"blk.{b}.attn_k_norm.weight", hs)
        matrix(f"blk.{b}.attn_output.weight", s.dim, q_dim)
        if spec.post_norms:
            vector(f"blk.{b}.post_attention_norm.weight", s.dim)
            vector(f"blk.{b}.post_ffw_norm.weight", s.dim)
        vector(f"blk.{b}.ffn_norm.weight", s.dim)
        if spec.fused:
            matrix(f"blk.{b}.ffn_up.weight", 2 * s.hidden_dim, s.dim)
        else:
            matrix(f"blk.{b}.ffn_gate.weight", s.hidden_dim, s.dim)
            matrix(f"blk.{b}.ffn_up.weight", s.hidden_dim, s.dim)
        matrix(f"blk.{b}.ffn_down.weight", s.dim, s.hidden_dim)
    vector("output_norm.weight", s.dim)
    if not spec.tied:
        matrix("output.weight", s.vocab_size, s.dim)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return spec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--arch", choices=sorted(SPECS), default="qwen3")
    ap.add_argument("--type", choices=sorted(WEIGHT_TYPES), default="f32")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    write_arch_model(a.out, a.arch, WEIGHT_TYPES[a.type], seed=a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
