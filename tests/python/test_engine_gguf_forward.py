"""Synthetic GGUF models of every weight type, llama and qwen2, against the NumPy reference.

The models come from llmbm_build.gguf_models (random weights, K-quants as random valid blocks);
the reference (llama2c_reference.ReferenceModel, extended here for biases and NEOX RoPE) runs in
float64 on the weights dequantized with gguf.quants. It also quantizes activations exactly as
the kernels do before every matrix-vector product -- Q8_0 blocks for q4_0/q5_0/q8_0, Q8_1 for
q4_1/q5_1 (including the fp16 rounding of its s = d * sum(q) term, which carries the weights'
minimum), Q8_K for the K-quants, none for f32/f16/bf16 -- so what remains is float32-vs-float64
accumulation and activation-quantization rounding flips where the engine's float32 activations
straddle a rounding boundary. Tolerance: max |logit difference| <= 1e-3 x max |logit| for
f32/f16/bf16, 1e-2 for the quantized types (covering such flips propagating through two layers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType as QT

from engine_cli import run_llmbm
from llama2c_reference import F64, ReferenceModel
from llmbm_build.gguf_models import WEIGHT_TYPES, GgufModel, write_gguf_model
from llmbm_build.models import Llama2cConfig

# K-quants need rows of a multiple of 256 elements: dim and hidden are.
CONFIG = Llama2cConfig(
    dim=256,
    hidden_dim=512,
    n_layers=2,
    n_heads=4,
    n_kv_heads=2,
    vocab_size=96,
    seq_len=16,
    shared_classifier=True,
)
TOKENS = [1, 17, 42, 5, 88]

Q8_0_ACT = {QT.Q4_0, QT.Q5_0, QT.Q8_0, QT.Q4_1, QT.Q5_1}
Q8_K_ACT = {QT.Q2_K, QT.Q3_K, QT.Q4_K, QT.Q5_K, QT.Q6_K}


def _q8_blocks(x: F64) -> tuple[F64, np.ndarray]:
    """Q8_0/Q8_1 quants (blocks of 32) and the float32 scale of each block."""
    g = x.astype(np.float32).reshape(-1, 32)
    d = np.abs(g).max(axis=1) / np.float32(127.0)
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0).astype(np.float32)
    v = (g * inv[:, None]).astype(np.float32)
    return np.sign(v) * np.floor(np.abs(v) + 0.5), d  # roundf


def _quantize_q8_0(x: F64) -> F64:
    q, d = _q8_blocks(x)
    return (q * d.astype(np.float16).astype(np.float64)[:, None]).reshape(-1)


def _q8_1_min_correction(w: np.ndarray, x: F64) -> F64:
    """Q4_1/Q5_1 dots take the weights' min term as m * s with s = fp16(d * sum(q)), not
    fp16(d) * sum(q): the difference, per output row. A block's min m is its smallest
    dequantized value (gguf-py's quantizer maps the minimum to quant 0)."""
    q, d = _q8_blocks(x)
    sumq = q.sum(axis=1)
    s = (d * sumq.astype(np.float32)).astype(np.float16).astype(np.float64)
    delta = s - d.astype(np.float16).astype(np.float64) * sumq
    m = w.astype(np.float64).reshape(w.shape[0], -1, 32).min(axis=2)
    return m @ delta


def _quantize_q8_k(x: F64) -> F64:
    g = x.astype(np.float32).reshape(-1, 256)
    out = np.zeros(g.shape)
    for b, row in enumerate(g):
        i = int(np.argmax(np.abs(row)))
        if row[i] == 0:
            continue
        iscale = np.float32(-127.0) / row[i]
        q = np.minimum(np.rint((iscale * row).astype(np.float32)), 127)  # nearest_int: ties to even
        out[b] = q * (np.float32(1.0) / iscale)
    return out.reshape(-1)


class GgufReference(ReferenceModel):
    def __init__(self, model: GgufModel, qtype: QT) -> None:
        super().__init__(model.config, model.weights)
        self.model, self.qtype = model, qtype

    def _matvec(self, w: np.ndarray, x: F64) -> F64:
        if self.qtype in (QT.Q4_1, QT.Q5_1):
            return w.astype(np.float64) @ _quantize_q8_0(x) + _q8_1_min_correction(w, x)
        if self.qtype in Q8_0_ACT:
            x = _quantize_q8_0(x)
        elif self.qtype in Q8_K_ACT:
            x = _quantize_q8_k(x)
        return w.astype(np.float64) @ x

    def _qkv(self, layer: int, xb: F64) -> tuple[F64, F64, F64]:
        q, k, v = super()._qkv(layer, xb)
        if self.model.biases is not None:
            bq, bk, bv = self.model.biases[layer]
            q, k, v = q + bq, k + bk, v + bv
        return q, k, v

    def _rope(self, q: F64, k: F64, pos: int) -> None:
        if self.model.arch != "qwen2":
            super()._rope(q, k, pos)
            return
        hs, half = self.c.head_size, self.c.head_size // 2
        i = np.arange(half)
        theta = pos * self.model.rope_theta ** (-2.0 * i / hs)
        cos, sin = np.cos(theta), np.sin(theta)
        for vec in (q, k):
            for h in range(len(vec) // hs):
                a = vec[h * hs : h * hs + half].copy()
                b = vec[h * hs + half : (h + 1) * hs].copy()
                vec[h * hs : h * hs + half] = a * cos - b * sin
                vec[h * hs + half : (h + 1) * hs] = a * sin + b * cos


def engine_logits(build_dir: Path, path: Path, *extra: str, kv_type: str = "f32") -> F64:
    """The engine's logits; the reference keeps K and V in float, hence an f32 KV cache."""
    out = run_llmbm(
        build_dir, *extra, "--kv-type", kv_type, "logits", path, *map(str, TOKENS)
    ).stdout.decode()
    return np.array([[float(v) for v in line.split()] for line in out.splitlines()])


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
@pytest.mark.parametrize("type_name", list(WEIGHT_TYPES))
def test_forward_matches_reference(build_dir: Path, tmp_path: Path, arch: str, type_name: str) -> None:
    qtype = WEIGHT_TYPES[type_name]
    config = CONFIG if arch == "qwen2" else Llama2cConfig(**{**CONFIG.__dict__, "shared_classifier": False})
    path = tmp_path / f"{arch}-{type_name}.gguf"
    model = write_gguf_model(path, config, arch, qtype, seed=3)
    want = GgufReference(model, qtype).logits(TOKENS)
    got = engine_logits(build_dir, path)
    assert got.shape == want.shape
    rel = 1e-3 if qtype in (QT.F32, QT.F16, QT.BF16) else 1e-2
    err = np.abs(got - want).max()
    assert err <= rel * np.abs(want).max(), (type_name, arch, err, np.abs(want).max())
    # The scalar level (exact ggml semantics) passes the same bound; SIMD levels may order
    # sums differently (their Q8_1 sum term differs at the 1e-3 level).
    scalar = engine_logits(build_dir, path, "--isa", "scalar")
    assert np.abs(scalar - want).max() <= rel * np.abs(want).max()


@pytest.mark.parametrize("kv_type", ["f16", "q8_0"])
def test_kv_cache_types_stay_close(build_dir: Path, tmp_path: Path, kv_type: str) -> None:
    """An f16 or q8_0 KV cache rounds each stored key and value once (to 11 significant bits, or
    to a 1/127 step of its 32-element block): the logits stay near the f32 cache's."""
    config = Llama2cConfig(**{**CONFIG.__dict__, "shared_classifier": False})
    path = tmp_path / "llama-q8_0.gguf"
    model = write_gguf_model(path, config, "llama", QT.Q8_0, seed=3)
    want = GgufReference(model, QT.Q8_0).logits(TOKENS)
    f32 = engine_logits(build_dir, path)
    got = engine_logits(build_dir, path, kv_type=kv_type)
    scale = np.abs(want).max()
    err, base = np.abs(got - want).max() / scale, np.abs(f32 - want).max() / scale
    print(f"{kv_type}: {err:.2e} of the largest logit from the reference (f32 cache: {base:.2e})")
    assert np.abs(got - f32).max() > 0, "the cache type changed nothing: was it applied?"
    assert err <= (2e-2 if kv_type == "f16" else 5e-2), (kv_type, err, base)
