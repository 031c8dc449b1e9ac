"""Q8_0 activation quantization for the float64 reference forward (``--q8-activations``): the
one rounding step llama.cpp and the engine add to a Q8_0 matmul, done alone, with the rest of
the forward still float64. Comparing a program with it separates what the quantization costs
from what the program's float32 arithmetic costs.

Two roundings, in float32 as the C does them: ``ref`` is ggml's quantize_row_q8_0_ref (and the
engine's): d = amax / 127, q = round half away from zero of x * (1 / d); ``simd`` is ggml's x86
quantize_row_q8_0: x * (127 / amax), rounded half to even. Both store d as fp16.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ROUNDINGS = ("ref", "simd")
BLOCK = 32


def q8_0_dequantized(x: npt.NDArray[np.floating], rounding: str) -> npt.NDArray[np.float64]:
    """x (..., n), n a multiple of 32, quantized to Q8_0 blocks along the last axis and back."""
    if rounding not in ROUNDINGS:
        raise ValueError(f"Q8_0 rounding '{rounding}' is not one of {', '.join(ROUNDINGS)}")
    x32 = np.asarray(x, dtype=np.float32)
    if x32.shape[-1] % BLOCK:
        raise ValueError(f"a row of {x32.shape[-1]} is not a whole number of Q8_0 blocks")
    b = x32.reshape(*x32.shape[:-1], -1, BLOCK)
    amax = np.abs(b).max(axis=-1, keepdims=True)
    d = amax / np.float32(127)
    nonzero = amax != 0
    safe_amax, safe_d = np.where(nonzero, amax, 1), np.where(nonzero, d, 1)
    if rounding == "ref":
        v = b * np.where(nonzero, np.float32(1) / safe_d, 0).astype(np.float32)
        q = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))
    else:
        q = np.rint(b * np.where(nonzero, np.float32(127) / safe_amax, 0).astype(np.float32))
    return (q.astype(np.float64) * d.astype(np.float16).astype(np.float64)).reshape(x32.shape)
