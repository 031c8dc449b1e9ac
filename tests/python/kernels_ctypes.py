"""ctypes access to the kernels in the host test library
(build/kernels/x86_64/libllmbm_kernels_test.so), shared by the kernel tests."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from llmbm_build import type_table
from llmbm_build.dispatch import load_manifest

# The type table (kernels/x86_64/type_table.def): ggml type ids and block geometry of every
# type, our in-memory layouts (q4_0p, q4_Kx16, q4_0x16, f32x16: quant_formats.h) included.
# No file holds the layouts, so they are not in WEIGHT_TYPES (test_quant_vectors converts
# ggml's rows to test them).
SOURCE_DIR = Path(os.environ.get("LLMBM_SOURCE_DIR") or Path(__file__).resolve().parents[2])
TYPES = type_table.load(SOURCE_DIR / "kernels" / "x86_64" / "type_table.def")
TYPE_IDS: dict[str, int] = {t.name: t.id for t in TYPES.types}
BLOCK: dict[str, tuple[int, int]] = {t.name: (t.block_size, t.block_bytes) for t in TYPES.types}
VEC_DOT_TYPE: dict[str, str] = {t.name: t.act for t in TYPES.types if t.role == "weight" and t.act}
WEIGHT_TYPES = list(VEC_DOT_TYPE)
QUANT_WEIGHT_TYPES = [t for t in WEIGHT_TYPES if t.startswith("q")]

U8Array = npt.NDArray[np.uint8]
F32Array = npt.NDArray[np.float32]


class Weight(ctypes.Structure):
    """llmbm_weight from kernels/x86_64/kernels.h."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("rows", ctypes.c_uint32),
        ("cols", ctypes.c_uint32),
        ("data", ctypes.c_void_p),
        ("scales", ctypes.c_void_p),
        ("group_size", ctypes.c_uint32),
    ]


def _ptr(a: npt.NDArray[np.generic]) -> ctypes.c_void_p:
    assert a.flags["C_CONTIGUOUS"]
    return ctypes.c_void_p(a.ctypes.data)


def row_bytes(t: str, n: int) -> int:
    bs, bb = BLOCK[t]
    return n // bs * bb


_SLOTS = TYPES.count  # LLMBM_KERNEL_TYPE_SLOTS = LLMBM_TYPE_COUNT
MANIFEST = load_manifest(SOURCE_DIR / "kernels" / "x86_64" / "manifest.toml", TYPES)
# the table's function arrays follow the manifest's [ops] order
_OPS = MANIFEST.ops
_DEQUANT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_QUANT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_DOT = ctypes.CFUNCTYPE(ctypes.c_float, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_MATVEC = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t
)
_PROTOS = {"dequantize_row": _DEQUANT, "quantize_row": _QUANT, "vec_dot": _DOT, "matvec_rows": _MATVEC}


class KernelTable(ctypes.Structure):
    """llmbm_kernel_table from the generated kernel_dispatch.h."""

    _fields_ = [
        ("level", ctypes.c_int),
        ("name", ctypes.c_char_p),
        ("cpuid_required", ctypes.c_uint64),
        ("xcr0_required", ctypes.c_uint64),
        *((op, ctypes.c_void_p * _SLOTS) for op in _OPS),
        ("layouts", (ctypes.c_uint8 * 2) * _SLOTS),  # llmbm_layout_choice: grouped, single
    ]


class CpuFeatures(ctypes.Structure):
    _fields_ = [("cpuid", ctypes.c_uint64), ("xcr0", ctypes.c_uint64)]


def load_library(build_dir: Path) -> ctypes.CDLL:
    path = build_dir / "kernels" / "x86_64" / "libllmbm_kernels_test.so"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not built: run ninja in {build_dir}")
    return ctypes.CDLL(str(path))


def level_names(lib: ctypes.CDLL) -> list[str]:
    """Every ISA level of the build, in the table's order."""
    lib.llmbm_isa_level_name.restype = ctypes.c_char_p
    names: list[str] = []
    while (name := lib.llmbm_isa_level_name(len(names))) is not None:
        names.append(name.decode())
    return names


def level_supported(lib: ctypes.CDLL, level: str) -> bool:
    features = CpuFeatures()
    lib.llmbm_cpu_features_detect(ctypes.byref(features))
    lib.llmbm_isa_level_supported.restype = ctypes.c_bool
    return bool(lib.llmbm_isa_level_supported(level_names(lib).index(level), ctypes.byref(features)))


class Kernels:
    """The kernels of one ISA level, reached through the generated dispatch
    table exactly as the engine reaches them."""

    def __init__(self, build_dir: Path, level: str = "scalar") -> None:
        self.lib = load_library(build_dir)
        self.build_dir = build_dir
        self.level = level
        self.lib.llmbm_row_bytes.restype = ctypes.c_size_t
        self.lib.llmbm_row_bytes.argtypes = [ctypes.c_int, ctypes.c_uint64]
        self.lib.llmbm_kernels_select.restype = ctypes.POINTER(KernelTable)
        table = self.lib.llmbm_kernels_select(level_names(self.lib).index(level))
        self.table: KernelTable = table.contents
        assert self.table.name.decode() == level

    def _fn(self, op: str, t: str) -> Any:
        address = getattr(self.table, op)[TYPE_IDS[t]]
        if not address:
            raise LookupError(f"level {self.level} has no {op} kernel for {t}")
        return _PROTOS[op](address)

    def row_bytes(self, t: str | int, cols: int) -> int:
        tid = TYPE_IDS[t] if isinstance(t, str) else t
        return int(self.lib.llmbm_row_bytes(tid, cols))

    def interleave16(self, base: str, rows: U8Array, nb: int) -> U8Array:
        """16 rows of nb blocks of base (q4_K or q4_0), interleaved by the loader's C code."""
        src = np.ascontiguousarray(rows.view(np.uint8).reshape(-1))
        assert src.size == 16 * nb * BLOCK[base][1]
        out = np.zeros_like(src)
        convert = {"q4_K": self.lib.llmbm_q4_kx16_from_q4_k, "q4_0": self.lib.llmbm_q4_0x16_from_q4_0}[base]
        convert(_ptr(out), _ptr(src), ctypes.c_size_t(nb))
        return out

    def dequantize(self, t: str, src: U8Array, n: int) -> F32Array:
        out = np.zeros(n, np.float32)
        src = np.ascontiguousarray(src.view(np.uint8).reshape(-1))
        assert src.size >= row_bytes(t, n)
        self._fn("dequantize_row", t)(_ptr(src), _ptr(out), ctypes.c_size_t(n))
        return out

    def quantize(self, act: str, x: F32Array) -> U8Array:
        x = np.ascontiguousarray(x, np.float32)
        # over-aligned buffer: Q8_K blocks hold a float
        out = np.zeros(row_bytes(act, x.size), np.uint8)
        self._fn("quantize_row", act)(_ptr(x), _ptr(out), ctypes.c_size_t(x.size))
        return out

    def vec_dot(self, t: str, w_row: U8Array, x_act: npt.NDArray[np.generic], n: int) -> float:
        fn = self._fn("vec_dot", t)
        w_row = np.ascontiguousarray(w_row.view(np.uint8).reshape(-1))
        x_act = np.ascontiguousarray(x_act)
        return float(fn(_ptr(w_row), _ptr(x_act), ctypes.c_size_t(n)))

    def matvec_rows(
        self,
        t: str,
        w: U8Array,
        rows: int,
        cols: int,
        x_act: npt.NDArray[np.generic],
        begin: int,
        end: int,
    ) -> F32Array:
        w = np.ascontiguousarray(w.view(np.uint8).reshape(-1))
        assert w.size == rows * row_bytes(t, cols)
        x_act = np.ascontiguousarray(x_act)
        weight = Weight(TYPE_IDS[t], rows, cols, ctypes.c_void_p(w.ctypes.data), None, 0)
        out = np.full(rows, np.nan, np.float32)
        fn = self._fn("matvec_rows", t)
        fn(
            ctypes.byref(weight),
            _ptr(x_act),
            _ptr(out),
            ctypes.c_size_t(begin),
            ctypes.c_size_t(end),
        )
        return out
