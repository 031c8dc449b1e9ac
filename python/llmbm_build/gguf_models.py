"""Synthetic GGUF models (architectures ``llama`` and ``qwen2``) with random weights in any ggml type.

    python3 -m llmbm_build.gguf_models OUT.gguf --arch llama --type q4_K [--dim 256 ...]

Weights come from :func:`llmbm_build.models.random_weights` (rows = output features) and are
stored in the requested type: types gguf-py can quantize (F16, BF16, Q4_0..Q8_0) go through
``gguf.quants.quantize``; the K-quants, which gguf-py can only dequantize, get random but valid
blocks (random bytes with the f16 scale fields set so the weights have the intended spread).
Either way :class:`GgufModel` returns the weights as the engine sees them (dequantized with
``gguf.quants.dequantize``), so a reference forward runs on exactly what was written. Norms and
biases are f32. No tokenizer is written unless asked: ``llmbm logits`` needs none, and the
engine then takes the vocabulary size from ``token_embd.weight``.

Benchmarks can use the same writer for real shapes (TinyLlama-1.1B: dim 2048, hidden 5632,
22 layers, 32 heads, 4 kv heads; Qwen2.5-0.5B: dim 896, hidden 4864, 24 layers, 14/2 heads).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import gguf
import numpy as np
import numpy.typing as npt
from gguf import GGMLQuantizationType as QT

from llmbm_build.models import (
    Llama2cConfig,
    Llama2cWeights,
    add_shape_arguments,
    config_from_arguments,
    random_weights,
)

F32 = npt.NDArray[np.float32]

WEIGHT_TYPES: dict[str, QT] = {
    "f32": QT.F32,
    "f16": QT.F16,
    "bf16": QT.BF16,
    "q4_0": QT.Q4_0,
    "q4_1": QT.Q4_1,
    "q5_0": QT.Q5_0,
    "q5_1": QT.Q5_1,
    "q8_0": QT.Q8_0,
    "q2_K": QT.Q2_K,
    "q3_K": QT.Q3_K,
    "q4_K": QT.Q4_K,
    "q5_K": QT.Q5_K,
    "q6_K": QT.Q6_K,
}

# Byte offsets of the f16 super-block scales (d, and dmin where the type has one) in each
# K-quant block (ggml-common.h layouts).
_K_SCALE_FIELDS: dict[QT, tuple[int, ...]] = {
    QT.Q2_K: (80, 82),
    QT.Q3_K: (108,),
    QT.Q4_K: (0, 2),
    QT.Q5_K: (0, 2),
    QT.Q6_K: (208,),
}


@dataclass
class GgufModel:
    arch: str
    config: Llama2cConfig
    weights: Llama2cWeights  # as stored, dequantized to f32
    biases: list[tuple[F32, F32, F32]] | None  # per layer (q, k, v); qwen2
    rope_theta: float
    norm_eps: float


def _random_k_blocks(
    rng: np.random.Generator, qtype: QT, rows: int, cols: int, std: float
) -> npt.NDArray[np.uint8]:
    """Random K-quant rows whose dequantized values have about `std` spread."""
    block_size, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(rows, cols // block_size, block_bytes), dtype=np.uint8)
    one = np.frombuffer(np.float16(1.0).tobytes(), dtype=np.uint8)
    for off in _K_SCALE_FIELDS[qtype]:
        raw[:, :, off : off + 2] = one
    measured = float(np.std(gguf.quants.dequantize(raw.reshape(rows, -1), qtype)))
    scale = np.frombuffer(np.float16(std / max(measured, 1e-6)).tobytes(), dtype=np.uint8)
    for off in _K_SCALE_FIELDS[qtype]:
        raw[:, :, off : off + 2] = scale
    return raw.reshape(rows, -1)


def encode_matrix(rng: np.random.Generator, w: F32, qtype: QT) -> tuple[npt.NDArray[np.generic], F32]:
    """(array to hand GGUFWriter, the values the engine will compute with)."""
    if qtype == QT.F32:
        return w, w
    if qtype in _K_SCALE_FIELDS:
        data = _random_k_blocks(rng, qtype, w.shape[0], w.shape[1], float(np.std(w)))
    else:
        data = gguf.quants.quantize(w, qtype)
    return data, gguf.quants.dequantize(data, qtype).astype(np.float32).reshape(w.shape)


# What llama.cpp's quantizer stores instead of a K-quant when a tensor's rows
# are not a multiple of 256 elements (Qwen2.5-0.5B's dim of 896, for one).
K_FALLBACK: dict[QT, QT] = {
    QT.Q2_K: QT.Q4_0,
    QT.Q3_K: QT.Q4_0,
    QT.Q4_K: QT.Q5_0,
    QT.Q5_K: QT.Q5_1,
    QT.Q6_K: QT.Q8_0,
}


def stored_type(qtype: QT, cols: int, k_fallback: bool) -> QT:
    """The type a matrix of `cols` columns is written in: `qtype`, or with k_fallback the
    K_FALLBACK type when a K-quant cannot hold rows of that length."""
    if k_fallback and qtype in K_FALLBACK and cols % 256:
        return K_FALLBACK[qtype]
    return qtype


def write_gguf_model(
    path: Path,
    config: Llama2cConfig,
    arch: str = "llama",
    qtype: QT = QT.F32,
    seed: int = 0,
    rope_theta: float = 10000.0,
    norm_eps: float = 1e-5,
    embedding_type: QT | None = None,
    omit: tuple[str, ...] = (),
    overrides: dict[str, tuple[npt.NDArray[np.generic], QT | None]] | None = None,
    tokenizer_from: Path | None = None,
    chat_template: str | None = None,
    k_fallback: bool = False,
    extra_keys: Callable[[gguf.GGUFWriter], None] | None = None,
) -> GgufModel:
    """Writes a model; `omit` drops tensors by name and `overrides` replaces tensor data (both
    for bad-input tests). The classifier is tied unless config.shared_classifier is False.
    With `k_fallback`, matrices whose rows a K-quant cannot hold use llama.cpp's fallback type
    (K_FALLBACK) instead of failing, as real K-quant files of such shapes do. `extra_keys` adds
    metadata of its own (a synthetic vocabulary, say) before the tensors."""
    rng = np.random.default_rng(seed + 1000)
    w = random_weights(config, seed=seed)
    c = config
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_context_length(c.seq_len)
    writer.add_embedding_length(c.dim)
    writer.add_feed_forward_length(c.hidden_dim)
    writer.add_block_count(c.n_layers)
    writer.add_head_count(c.n_heads)
    writer.add_head_count_kv(c.n_kv_heads)
    writer.add_rope_freq_base(rope_theta)
    writer.add_layer_norm_rms_eps(norm_eps)
    writer.add_rope_dimension_count(c.head_size)
    if tokenizer_from is not None:
        copy_tokenizer(writer, tokenizer_from)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    if extra_keys is not None:
        extra_keys(writer)
    stored: dict[str, F32] = {}

    def put(name: str, value: F32, ty: QT) -> F32:
        if name in omit:
            return value
        if overrides and name in overrides:
            data, raw = overrides[name]
            writer.add_tensor(name, data, raw_dtype=raw)
            return value
        if value.ndim == 2:
            ty = stored_type(ty, value.shape[1], k_fallback)
        data, seen = encode_matrix(rng, value, ty) if value.ndim == 2 else (value, value)
        writer.add_tensor(name, data, raw_dtype=None if ty in (QT.F32, QT.F16) or value.ndim == 1 else ty)
        stored[name] = seen
        return seen

    emb_type = qtype if embedding_type is None else embedding_type
    token_embd = put("token_embd.weight", w.token_embedding, emb_type)
    biases: list[tuple[F32, F32, F32]] = []
    mats: dict[str, list[F32]] = {k: [] for k in ("wq", "wk", "wv", "wo", "w1", "w2", "w3")}
    names = {
        "wq": "attn_q",
        "wk": "attn_k",
        "wv": "attn_v",
        "wo": "attn_output",
        "w1": "ffn_gate",
        "w2": "ffn_down",
        "w3": "ffn_up",
    }
    for layer in range(c.n_layers):
        put(f"blk.{layer}.attn_norm.weight", w.rms_att[layer], QT.F32)
        put(f"blk.{layer}.ffn_norm.weight", w.rms_ffn[layer], QT.F32)
        for field, short in names.items():
            mats[field].append(put(f"blk.{layer}.{short}.weight", getattr(w, field)[layer], qtype))
        if arch == "qwen2":
            bq = (rng.standard_normal(c.dim) * 0.2).astype(np.float32)
            bk = (rng.standard_normal(c.kv_dim) * 0.2).astype(np.float32)
            bv = (rng.standard_normal(c.kv_dim) * 0.2).astype(np.float32)
            for short, b in (("q", bq), ("k", bk), ("v", bv)):
                put(f"blk.{layer}.attn_{short}.bias", b, QT.F32)
            biases.append((bq, bk, bv))
    put("output_norm.weight", w.rms_final, QT.F32)
    classifier = None
    if w.classifier is not None:
        classifier = put("output.weight", w.classifier, qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    seen_w = replace(
        w,
        token_embedding=token_embd,
        classifier=classifier,
        **{k: np.stack(v) for k, v in mats.items()},
    )
    return GgufModel(arch, c, seen_w, biases if arch == "qwen2" else None, rope_theta, norm_eps)


def copy_tokenizer(writer: gguf.GGUFWriter, source: Path) -> int:
    """Copies every tokenizer.* key of another GGUF (so a random model can chat through a real
    vocabulary); returns its vocabulary size. tokenizer.chat_template is left out: the model
    gets its own or none."""
    reader = gguf.GGUFReader(str(source))
    n_vocab = 0
    for key, f in reader.fields.items():
        if not key.startswith("tokenizer.") or key == "tokenizer.chat_template":
            continue
        vtype = f.types[0]
        sub = f.types[1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, f.contents(), vtype, sub)
        if key == "tokenizer.ggml.tokens":
            n_vocab = len(f.data)
    return n_vocab


def vocab_size_of(source: Path) -> int:
    f = gguf.GGUFReader(str(source)).fields.get("tokenizer.ggml.tokens")
    if f is None:
        raise SystemExit(f"{source} has no tokenizer.ggml.tokens")
    return len(f.data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--arch", choices=("llama", "qwen2"), default="llama")
    ap.add_argument("--type", choices=sorted(WEIGHT_TYPES), default="f32")
    # K-quant-friendly defaults: rows of 256
    add_shape_arguments(
        ap,
        Llama2cConfig(
            dim=256, hidden_dim=512, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=256, seq_len=64
        ),
    )
    ap.add_argument("--untied", action="store_true", help="write a separate output.weight")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--tokenizer-from", type=Path, help="copy the tokenizer of this GGUF (sets the vocabulary size)"
    )
    ap.add_argument("--chat-template", type=Path, help="a Jinja file stored as tokenizer.chat_template")
    ap.add_argument(
        "--k-fallback",
        action="store_true",
        help="store matrices whose rows are not a multiple of 256 in llama.cpp's fallback type "
        "(q4_K -> q5_0, q6_K -> q8_0, ...) instead of failing",
    )
    a = ap.parse_args(argv)
    config = config_from_arguments(a, shared_classifier=not a.untied)
    if a.tokenizer_from:
        config = replace(config, vocab_size=vocab_size_of(a.tokenizer_from))
    template = a.chat_template.read_text(encoding="utf-8") if a.chat_template else None
    write_gguf_model(
        a.out,
        config,
        a.arch,
        WEIGHT_TYPES[a.type],
        seed=a.seed,
        tokenizer_from=a.tokenizer_from,
        chat_template=template,
        k_fallback=a.k_fallback,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
