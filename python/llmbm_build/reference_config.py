"""What the float64 reference forward (llmbm_build.reference_forward) needs to know about a GGUF
file's architecture, read from its metadata: one :class:`RefConfig` for every family the engine
reads (firmware/engine/arch/*.c), with the constants llama.cpp hard-codes for each (gemma's
window patterns and local RoPE base, gemma2's soft-capping defaults, smollm3's NoPE step).

This is written from the families' descriptions, not from the engine's C: the two are
independent writings of the same forward, so a test that compares them can fail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import gguf

SUPPORTED = ("llama", "qwen2", "qwen3", "smollm3", "granite", "gemma3", "gemma2", "phi3")


def field(
    reader: gguf.GGUFReader, key: str, default: float | int | str | bool | None = None
) -> float | int | str | bool:
    f = reader.fields.get(key)
    if f is None:
        if default is None:
            raise ValueError(f"missing metadata key {key}")
        return default
    return f.contents()  # type: ignore[no-any-return]


@dataclass
class RefConfig:
    arch: str
    dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    head_size: int
    eps: float
    rope_base: float
    rope_dim: int
    neox: bool  # NEOX pairs (i, i + rope_dim/2); else adjacent pairs (2i, 2i+1), ggml's mode 0
    freq_scale: float = 1.0  # linear RoPE scaling: angles times this
    no_rope_every: int = 0  # every n-th layer (n-1, 2n-1, ...) has no RoPE (smollm3: 4)
    qkv_bias: bool = False
    qk_norm: bool = False
    post_norms: bool = False
    gelu: bool = False  # GELU (tanh form) instead of SiLU on the FFN gate
    fused: bool = False  # attn_qkv and a gate+up ffn_up (phi3)
    embedding_scale: float = 1.0
    residual_scale: float = 1.0
    attention_scale: float = 0.0  # q.k multiplier; 0: 1/sqrt(head_size)
    logit_scale: float = 1.0  # logits divided by this
    attn_softcap: float = 0.0  # scores -> cap tanh(scores / cap); 0: none
    final_softcap: float = 0.0
    sliding_window: int = 0
    swa_pattern: int = 0  # layer l is local when l % pattern < pattern - 1
    rope_base_swa: float = 10000.0
    freq_scale_swa: float = 1.0
    longrope_orig_ctx: int = 0  # phi3: long factors when the context exceeds this
    rope_attn_factor: float = 1.0  # phi3: cos and sin multiplied by this

    def q_k_scale(self) -> float:
        return self.attention_scale if self.attention_scale else 1.0 / math.sqrt(self.head_size)

    def is_local(self, layer: int) -> bool:
        return bool(
            self.swa_pattern and self.sliding_window and layer % self.swa_pattern < self.swa_pattern - 1
        )

    def has_rope(self, layer: int) -> bool:
        return not (self.no_rope_every and (layer + 1) % self.no_rope_every == 0)


def _linear_scale(reader: gguf.GGUFReader, path: Path, arch: str) -> float:
    kind = str(field(reader, f"{arch}.rope.scaling.type", "linear"))
    if kind == "none":
        return 1.0
    if kind != "linear":
        raise ValueError(f"{path}: rope scaling type '{kind}' has no float64 reference")
    factor = float(
        field(reader, f"{arch}.rope.scaling.factor", field(reader, f"{arch}.rope.scale_linear", 1.0))
    )
    return 1.0 / factor if factor else 1.0


def read_config(reader: gguf.GGUFReader, path: Path) -> RefConfig:
    arch = str(field(reader, "general.architecture"))
    if arch not in SUPPORTED:
        raise ValueError(
            f"{path}: architecture '{arch}' has no float64 reference (have {', '.join(SUPPORTED)})"
        )

    def num(key: str, default: float | None = None) -> float:
        return float(field(reader, f"{arch}.{key}", default))

    dim, n_heads = int(num("embedding_length")), int(num("attention.head_count"))
    head_size = int(num("attention.key_length", dim // n_heads))
    c = RefConfig(
        arch=arch,
        dim=dim,
        n_layers=int(num("block_count")),
        n_heads=n_heads,
        n_kv_heads=int(num("attention.head_count_kv", n_heads)),
        head_size=head_size,
        eps=num("attention.layer_norm_rms_epsilon", 1e-5),
        rope_base=num("rope.freq_base", 10000.0),
        rope_dim=int(num("rope.dimension_count", head_size)),
        # llama-like files have Q/K permuted by the converter for adjacent pairs
        neox=arch not in ("llama", "smollm3", "granite"),
        freq_scale=_linear_scale(reader, path, arch),
        qkv_bias=arch == "qwen2",
    )
    if arch == "qwen3":
        c.qk_norm = True
    elif arch == "smollm3":
        c.no_rope_every = 4  # llama.cpp's n_no_rope_layer_step; not in the file
    elif arch == "granite":
        c.logit_scale = num("logit_scale")
        c.embedding_scale = num("embedding_scale", 0.0) or 1.0
        c.residual_scale = num("residual_scale", 0.0) or 1.0
        c.attention_scale = num("attention.scale", 0.0)
        if not bool(field(reader, f"{arch}.rope.scaling.finetuned", True)):
            c.no_rope_every = 1
    elif arch in ("gemma2", "gemma3"):
        c.post_norms, c.gelu = True, True
        c.embedding_scale = math.sqrt(dim)
        # llama.cpp's query_pre_attn_scalar: dim/n_heads for the 27B models, else the head size
        big = c.n_layers == (46 if arch == "gemma2" else 62)
        c.attention_scale = 1.0 / math.sqrt(dim // n_heads if big else head_size)
        if arch == "gemma2":
            c.qk_norm = False
            c.sliding_window = int(num("attention.sliding_window", 4096))
            c.attn_softcap = num("attn_logit_softcapping", 50.0)
            c.final_softcap = num("final_logit_softcapping", 30.0)
            c.swa_pattern = 2
            c.rope_base_swa, c.freq_scale_swa = c.rope_base, c.freq_scale
        else:
            c.qk_norm = True
            c.sliding_window = int(num("attention.sliding_window", 0))
            c.final_softcap = num("final_logit_softcapping", 0.0)
            if c.sliding_window:
                c.swa_pattern = 6  # 5 local : 1 global, local RoPE base 10000 unscaled
                c.rope_base_swa, c.freq_scale_swa = 10000.0, 1.0
    elif arch == "phi3":
        c.fused = True
        c.longrope_orig_ctx = int(num("rope.scaling.original_context_length", num("context_length")))
        c.rope_attn_factor = num("rope.scaling.attn_factor", 1.0)
    return c
