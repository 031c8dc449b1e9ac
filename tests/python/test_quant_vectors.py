"""The kernels (every ISA level this CPU runs) against ggml's own test vectors
(../shared/testdata/quant-vectors.gguf, layout in SOURCES.md).

What is checked, and how closely:
* activation quantizers (Q8_0, Q8_1, Q8_K): byte-exact to ggml's *_ref;
* dequantize_row for every type: bit-identical to `w.<t>.deq` / `x.<t>.deq`;
* vec_dot, with err = |ours - ref| / sum_i |w_i x_i| (the dot's condition
  scale, so cancellation does not inflate the tolerance):
    - vs ggml's AVX-512 dot `dot.<t>`:               err <= 1e-6, every type;
    - vs the float64 dot `dot.<t>.exact`:            err <= 1e-6, except
      q4_1/q5_1 err <= 1e-4 (the Q8_1 `s` term is fp16-rounded; measured
      3.7e-5), for which the float64 dot using the stored `s` must agree
      within 1e-6 instead;
    - f32/f16/bf16 dots vs float64 of the same (converted) values: 1e-6;
* matvec_rows: bit-identical to vec_dot per row, and writes only its range.

Every ISA level of the dispatch table that this CPU runs is tested.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from gguf import GGUFReader

from kernels_ctypes import (
    BLOCK,
    MANIFEST,
    QUANT_WEIGHT_TYPES,
    TYPE_IDS,
    VEC_DOT_TYPE,
    WEIGHT_TYPES,
    Kernels,
    level_supported,
    load_library,
)

ROWS, COLS = 8, 512
TOL_DOT = 1e-6
TOL_Q8_1_EXACT = 1e-4

F64Array = npt.NDArray[np.float64]


@pytest.fixture(scope="module", params=[level.name for level in MANIFEST.levels])
def kern(request: pytest.FixtureRequest, build_dir: Path) -> Kernels:
    """Every level in turn; one this CPU cannot run is skipped (the unit
    suite's test_kernels reports the same)."""
    level: str = request.param
    if not level_supported(load_library(build_dir), level):
        pytest.skip(f"this CPU cannot run the {level} kernels")
    return Kernels(build_dir, level)


@pytest.fixture(scope="module")
def vectors(testdata: Path) -> dict[str, npt.NDArray[np.generic]]:
    path = testdata / "quant-vectors.gguf"
    if not path.is_file():
        pytest.fail(f"{path} missing: the kernel test vectors are required")
    reader = GGUFReader(path)
    return {t.name: np.array(t.data) for t in reader.tensors}


def raw(v: dict[str, npt.NDArray[np.generic]], name: str) -> npt.NDArray[np.uint8]:
    return np.ascontiguousarray(v[name]).view(np.uint8).reshape(-1)


def act_raw(v: dict[str, npt.NDArray[np.generic]], act: str) -> npt.NDArray[np.uint8]:
    return raw(v, "x.q8_1.raw" if act == "q8_1" else f"x.{act}")


def cond_err(ours: float, ref: float, w: F64Array, x: F64Array) -> float:
    return abs(ours - ref) / float(np.abs(w * x).sum())


@pytest.mark.parametrize("act", ["q8_0", "q8_1", "q8_K"])
def test_activation_quantizer_byte_exact(kern: Kernels, vectors: dict, act: str) -> None:
    x = np.asarray(vectors["src.x"], np.float32)
    ours = kern.quantize(act, x)
    ref = act_raw(vectors, act)
    assert ours.size == ref.size
    diff = np.flatnonzero(ours != ref)
    assert diff.size == 0, f"{act}: first differing byte at {diff[:8]}"


@pytest.mark.parametrize("act", ["q8_0", "q8_1", "q8_K"])
def test_activation_dequantize_bit_exact(kern: Kernels, vectors: dict, act: str) -> None:
    ours = kern.dequantize(act, act_raw(vectors, act), COLS)
    ref = np.asarray(vectors[f"x.{act}.deq"], np.float32)
    np.testing.assert_array_equal(ours.view(np.uint32), ref.view(np.uint32))


@pytest.mark.parametrize("t", QUANT_WEIGHT_TYPES)
def test_row_bytes_matches_file(kern: Kernels, vectors: dict, t: str) -> None:
    assert kern.row_bytes(t, COLS) * ROWS == raw(vectors, f"w.{t}").size
    bs = BLOCK[t][0]
    assert kern.row_bytes(t, COLS + 1) == 0
    assert kern.row_bytes(t, bs + bs // 2) == 0
    assert kern.row_bytes(t, 0) == 0


def test_row_bytes_unknown_type(kern: Kernels) -> None:
    for tid in (16, 29, 33, 1000, -1):
        assert kern.row_bytes(tid, 256) == 0, tid
    # ids 4, 5, 31 and 32 (retired in ggml) are our q4_0p, q4_Kx16, q4_0x16 and
    # f32x16: the bytes of Q4_0, Q4_K and F32 rows in other orders
    assert kern.row_bytes(4, 256) == kern.row_bytes("q4_0", 256)
    assert kern.row_bytes(5, 256) == kern.row_bytes("q4_K", 256)
    assert kern.row_bytes(31, 256) == kern.row_bytes("q4_0", 256)
    assert kern.row_bytes(32, 256) == kern.row_bytes("f32", 256)
    assert kern.row_bytes("f16", 7) == 14


@pytest.mark.parametrize("t", QUANT_WEIGHT_TYPES)
def test_dequantize_bit_exact(kern: Kernels, vectors: dict, t: str) -> None:
    w = raw(vectors, f"w.{t}").reshape(ROWS, -1)
    ref = np.asarray(vectors[f"w.{t}.deq"], np.float32).reshape(ROWS, COLS)
    for r in range(ROWS):
        ours = kern.dequantize(t, w[r], COLS)
        bad = np.flatnonzero(ours.view(np.uint32) != ref[r].view(np.uint32))
        assert bad.size == 0, f"{t} row {r}: differs at {bad[:8]}"


def q8_1_stored_s_exact(vectors: dict, t: str, row: int) -> float:
    """float64 of the dot formula as ggml evaluates it for Q8_1: the min
    term uses the stored fp16 s instead of dy * sum(qy)."""
    bs, bb = BLOCK[t]
    w = raw(vectors, f"w.{t}").reshape(ROWS, -1)[row].reshape(-1, bb)
    y = act_raw(vectors, "q8_1").reshape(-1, 36)
    d = w[:, 0:2].copy().view(np.float16).astype(np.float64).reshape(-1)
    m = w[:, 2:4].copy().view(np.float16).astype(np.float64).reshape(-1)
    dy = y[:, 0:2].copy().view(np.float16).astype(np.float64).reshape(-1)
    s = y[:, 2:4].copy().view(np.float16).astype(np.float64).reshape(-1)
    qy = y[:, 4:].view(np.int8).astype(np.float64)
    deq = np.asarray(vectors[f"w.{t}.deq"], np.float64).reshape(ROWS, COLS)[row].reshape(-1, bs)
    # recover the integer quants; all-zero blocks have d == 0
    safe_d = np.where(d == 0, 1.0, d)
    q = np.where(d[:, None] == 0, 0.0, np.rint((deq - m[:, None]) / safe_d[:, None]))
    return float((d * dy * (q * qy).sum(axis=1) + m * s).sum())


@pytest.mark.parametrize("t", QUANT_WEIGHT_TYPES)
def test_vec_dot(kern: Kernels, vectors: dict, t: str) -> None:
    act = VEC_DOT_TYPE[t]
    w = raw(vectors, f"w.{t}").reshape(ROWS, -1)
    y = act_raw(vectors, act)
    wd = np.asarray(vectors[f"w.{t}.deq"], np.float64).reshape(ROWS, COLS)
    xd = np.asarray(vectors[f"x.{act}.deq"], np.float64)
    exact_tol = TOL_Q8_1_EXACT if act == "q8_1" else TOL_DOT
    for r in range(ROWS):
        ours = kern.vec_dot(t, w[r], y, COLS)
        ggml = float(vectors[f"dot.{t}"][r])
        exact = float(vectors[f"dot.{t}.exact"][r])
        e_ggml = cond_err(ours, ggml, wd[r], xd)
        e_exact = cond_err(ours, exact, wd[r], xd)
        assert e_ggml <= TOL_DOT, f"{t} row {r}: {ours} vs ggml {ggml} ({e_ggml:.2e})"
        assert e_exact <= exact_tol, f"{t} row {r}: {ours} vs exact {exact} ({e_exact:.2e})"
        if act == "q8_1":
            s_exact = q8_1_stored_s_exact(vectors, t, r)
            e_s = cond_err(ours, s_exact, wd[r], xd)
            assert e_s <= TOL_DOT, f"{t} row {r}: {ours} vs stored-s exact {s_exact} ({e_s:.2e})"


def q4_0p_rows(vectors: dict) -> npt.NDArray[np.uint8]:
    """ggml's Q4_0 rows in the q4_0p layout: all the fp16 scales of a row,
    then all its 16-byte quant groups."""
    blocks = raw(vectors, "w.q4_0").reshape(ROWS, -1, 18)
    return np.concatenate([blocks[:, :, :2].reshape(ROWS, -1), blocks[:, :, 2:].reshape(ROWS, -1)], axis=1)


def test_q4_0p_against_ggml(kern: Kernels, vectors: dict) -> None:
    """The loader's Q4_0 -> Q4_0P conversion, done here in NumPy, keeps
    ggml's values and dots: dequantized bit for bit, dots as close as Q4_0's,
    matvec_rows equal to vec_dot per row."""
    w = q4_0p_rows(vectors)
    y = act_raw(vectors, "q8_0")
    wd = np.asarray(vectors["w.q4_0.deq"], np.float32).reshape(ROWS, COLS)
    xd = np.asarray(vectors["x.q8_0.deq"], np.float64)
    per_row = []
    for r in range(ROWS):
        deq = kern.dequantize("q4_0p", w[r], COLS)
        np.testing.assert_array_equal(deq.view(np.uint32), wd[r].view(np.uint32))
        ours = kern.vec_dot("q4_0p", w[r], y, COLS)
        for ref_name in ("dot.q4_0", "dot.q4_0.exact"):
            ref = float(vectors[ref_name][r])
            err = cond_err(ours, ref, wd[r].astype(np.float64), xd)
            assert err <= TOL_DOT, f"q4_0p row {r}: {ours} vs {ref_name} {ref} ({err:.2e})"
        per_row.append(ours)
    full = kern.matvec_rows("q4_0p", w, ROWS, COLS, y, 0, ROWS)
    np.testing.assert_array_equal(full.view(np.uint32), np.array(per_row, np.float32).view(np.uint32))


@pytest.mark.parametrize(("base", "x16"), [("q4_K", "q4_Kx16"), ("q4_0", "q4_0x16")])
def test_interleaved_against_ggml(kern: Kernels, vectors: dict, base: str, x16: str) -> None:
    """ggml's 8 rows twice over (one 16-row group), interleaved by the loader's own conversion:
    each row's mat-vec result equals the scalar base type's dot bit for bit (exact integer
    sums, then its float steps) and is as close to ggml's dot as the base type's."""
    act = VEC_DOT_TYPE[base]
    w = raw(vectors, f"w.{base}").reshape(ROWS, -1)
    interleaved = kern.interleave16(
        base, np.ascontiguousarray(np.concatenate([w, w])), COLS // BLOCK[base][0]
    )
    y = act_raw(vectors, act)
    wd = np.asarray(vectors[f"w.{base}.deq"], np.float64).reshape(ROWS, COLS)
    xd = np.asarray(vectors[f"x.{act}.deq"], np.float64)
    out = kern.matvec_rows(x16, interleaved, 2 * ROWS, COLS, y, 0, 2 * ROWS)
    scalar = Kernels(kern.build_dir, "scalar")
    for r in range(2 * ROWS):
        ref = scalar.vec_dot(base, w[r % ROWS], y, COLS)
        assert out[r] == np.float32(ref), f"{x16} row {r}: {out[r]} vs scalar {base} {ref}"
        ggml = float(vectors[f"dot.{base}"][r % ROWS])
        assert cond_err(float(out[r]), ggml, wd[r % ROWS], xd) <= TOL_DOT, (r, out[r], ggml)


def float_weights(vectors: dict, t: str) -> tuple[npt.NDArray[np.uint8], F64Array]:
    """src.w stored as t (raw bytes) and its exact values."""
    w = np.asarray(vectors["src.w"], np.float32).reshape(ROWS, COLS)
    if t == "f32":
        return w.view(np.uint8).reshape(ROWS, -1), w.astype(np.float64)
    if t == "f16":
        h = w.astype(np.float16)
        return h.view(np.uint8).reshape(ROWS, -1), h.astype(np.float64)
    # bf16: round to nearest even on the top 16 bits
    bits = w.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    values = (rounded.astype(np.uint32) << 16).view(np.float32)
    return rounded.view(np.uint8).reshape(ROWS, -1), values.astype(np.float64)


@pytest.mark.parametrize("t", ["f32", "f16", "bf16"])
def test_float_types(kern: Kernels, vectors: dict, t: str) -> None:
    w, values = float_weights(vectors, t)
    x = np.asarray(vectors["src.x"], np.float32)
    for r in range(ROWS):
        deq = kern.dequantize(t, w[r], COLS)
        np.testing.assert_array_equal(deq.astype(np.float64), values[r])
        ours = kern.vec_dot(t, w[r], x, COLS)
        exact = float(values[r] @ x.astype(np.float64))
        assert cond_err(ours, exact, values[r], x.astype(np.float64)) <= TOL_DOT, (t, r)
    if t == "f32":
        ref = np.asarray(vectors["dot.f32.exact"], np.float64)
        for r in range(ROWS):
            ours = kern.vec_dot(t, w[r], x, COLS)
            assert cond_err(ours, ref[r], values[r], x.astype(np.float64)) <= TOL_DOT


def test_f16_all_halves(kern: Kernels) -> None:
    halves = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    ours = kern.dequantize("f16", halves.view(np.uint8), halves.size)
    ref = halves.view(np.float16).astype(np.float32)
    np.testing.assert_array_equal(ours.view(np.uint32), ref.view(np.uint32))


@pytest.mark.parametrize("t", WEIGHT_TYPES)
def test_matvec_rows(kern: Kernels, vectors: dict, t: str) -> None:
    act = VEC_DOT_TYPE[t]
    if t in QUANT_WEIGHT_TYPES:
        w = raw(vectors, f"w.{t}").reshape(ROWS, -1)
        y: npt.NDArray[np.generic] = act_raw(vectors, act)
    else:
        w, _ = float_weights(vectors, t)
        y = np.asarray(vectors["src.x"], np.float32)
    per_row = np.array([kern.vec_dot(t, w[r], y, COLS) for r in range(ROWS)], np.float32)
    full = kern.matvec_rows(t, w, ROWS, COLS, y, 0, ROWS)
    np.testing.assert_array_equal(full.view(np.uint32), per_row.view(np.uint32))
    part = kern.matvec_rows(t, w, ROWS, COLS, y, 3, 6)
    assert np.isnan(part[:3]).all() and np.isnan(part[6:]).all()
    np.testing.assert_array_equal(part[3:6].view(np.uint32), per_row[3:6].view(np.uint32))


def test_type_ids_match_header(source_dir: Path) -> None:
    header = (source_dir / "kernels" / "x86_64" / "kernels.h").read_text()
    for name, tid in TYPE_IDS.items():
        assert f"LLMBM_{name.upper()} = {tid}," in header, name
