"""The C GGUF reader (firmware/engine/gguf) against gguf-py's GGUFReader, and
against malformed files: every one must give a clear error, never a crash."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from gguf import GGUFReader, GGUFValueType

import gguf_bytes as gb

TESTDATA_GGUFS = [
    "stories260K-f32.gguf",
    "stories260K-f16.gguf",
    "stories260K-q4_0-mix.gguf",
    "stories260K-q4_1-mix.gguf",
    "stories260K-q5_0-mix.gguf",
    "stories260K-q5_1-mix.gguf",
    "stories260K-q8_0-mix.gguf",
    "stories260K-q6_k-preset.gguf",
    "stories260K-q4_k_m-preset.gguf",
    "quant-vectors.gguf",
    "ggml-vocab-llama-spm.gguf",
    "ggml-vocab-phi-3.gguf",
    "ggml-vocab-gpt-2.gguf",
]

VTYPE_NAMES = {
    GGUFValueType.UINT8: "u8",
    GGUFValueType.INT8: "i8",
    GGUFValueType.UINT16: "u16",
    GGUFValueType.INT16: "i16",
    GGUFValueType.UINT32: "u32",
    GGUFValueType.INT32: "i32",
    GGUFValueType.FLOAT32: "f32",
    GGUFValueType.BOOL: "bool",
    GGUFValueType.STRING: "string",
    GGUFValueType.ARRAY: "array",
    GGUFValueType.UINT64: "u64",
    GGUFValueType.INT64: "i64",
    GGUFValueType.FLOAT64: "f64",
}


@pytest.fixture(scope="module")
def dump_tool(build_dir: Path) -> Path:
    tool = build_dir / "tests" / "unit" / "gguf" / "gguf-dump-test"
    if not tool.is_file():
        pytest.fail(f"{tool} not built: run ninja -C {build_dir}")
    return tool


def run_dump(tool: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tool), str(path)],
        check=False,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=60,
    )


def scalar_text(vtype: GGUFValueType, part: np.ndarray) -> str:
    if vtype in (GGUFValueType.FLOAT32, GGUFValueType.FLOAT64, GGUFValueType.STRING):
        return bytes(part.tobytes()).hex()
    return str(int(part[0]))


def expected_dump(path: Path) -> str:
    """gguf-dump-test's canonical form, built from GGUFReader."""
    r = GGUFReader(path)
    version = int(r.fields["GGUF.version"].parts[-1][0])
    lines = [
        f"version {version}",
        f"alignment {r.alignment}",
        f"data_offset {r.data_offset}",
    ]
    for name, field in r.fields.items():
        if name.startswith("GGUF."):
            continue
        vtype = field.types[0]
        if vtype == GGUFValueType.ARRAY:
            etype = field.types[1] if len(field.types) > 1 else GGUFValueType.UINT8
            head = f"kv {name} array {VTYPE_NAMES[etype]} {len(field.data)} "
            if etype == GGUFValueType.STRING:
                body = ",".join(bytes(field.parts[i]).hex() for i in field.data)
            else:
                body = b"".join(field.parts[i].tobytes() for i in field.data).hex()
            lines.append(head + body)
        else:
            lines.append(f"kv {name} {VTYPE_NAMES[vtype]} {scalar_text(vtype, field.parts[-1])}")
    for t in r.tensors:
        dims = ",".join(str(int(d)) for d in t.shape)
        rel = int(t.field.parts[-1][0])
        lines.append(f"tensor {t.name} {int(t.tensor_type)} [{dims}] {rel} {t.data_offset} {t.n_bytes}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", TESTDATA_GGUFS)
def test_matches_gguf_py(dump_tool: Path, testdata: Path, name: str) -> None:
    path = testdata / name
    assert path.is_file(), f"missing test data {path}"
    res = run_dump(dump_tool, path)
    assert res.returncode == 0, res.stdout + res.stderr
    got, want = res.stdout.splitlines(), expected_dump(path).splitlines()
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        assert g == w, f"line {i} differs:\n C: {g[:300]}\npy: {w[:300]}"
    assert len(got) == len(want)


def test_describe(dump_tool: Path, testdata: Path) -> None:
    res = subprocess.run(
        [
            str(dump_tool),
            "--describe",
            str(testdata / "stories260K-q4_k_m-preset.gguf"),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0
    assert "GGUF v3" in res.stdout
    assert 'tokenizer.ggml.model: string = "llama"' in res.stdout
    assert "tensor blk.0.ffn_down.weight: f16 [172, 64]" in res.stdout


def test_valid_synthetic(dump_tool: Path, tmp_path: Path) -> None:
    path = tmp_path / "valid.gguf"
    path.write_bytes(gb.valid_file())
    res = run_dump(dump_tool, path)
    assert res.returncode == 0, res.stdout
    out = res.stdout
    assert "alignment 64\n" in out
    assert "kv t.u64 u64 9223372036854775813\n" in out
    assert "kv t.i16 i16 -300\n" in out
    assert f"kv t.f64 f64 {struct.pack('<d', -2.25).hex()}\n" in out
    assert "kv t.strs array string 3 61,,e29681" + "62\n" in out
    assert "kv t.nested array array 2 \n" in out
    assert "tensor a.weight 8 [32,2] 0 " in out
    assert "tensor b.weight 0 [3] 128 " in out


def test_every_truncation_fails(dump_tool: Path, tmp_path: Path) -> None:
    data = gb.valid_file()
    path = tmp_path / "cut.gguf"
    for n in range(len(data)):
        path.write_bytes(data[:n])
        res = run_dump(dump_tool, path)
        assert res.returncode == 1, f"prefix of {n} bytes: rc {res.returncode}: {res.stdout}{res.stderr}"
        assert res.stdout.startswith(f"error: {path}: "), res.stdout


def _str_kv_file(key_len: int) -> bytes:
    return gb.build([struct.pack("<Q", key_len) + b"k" * 8 + struct.pack("<I", gb.U8) + b"\x01"], [])


def _q8_tensors(*specs: tuple[bytes, list[int], int, int]) -> list[bytes]:
    return [gb.tensor_info(name, dims, t, off) for name, dims, t, off in specs]


MALFORMED: dict[str, tuple[bytes, str]] = {
    "wrong magic": (b"GGML" + bytes(20), "not a GGUF file"),
    "version 1": (gb.build([], [], version=1), "version 1 is not supported"),
    "version 4": (gb.build([], [], version=4), "unsupported GGUF version 4"),
    "big-endian": (gb.build([], [], version=3 << 24), "big-endian"),
    "huge kv count": (gb.build([], [], n_kv=2**63), "cannot fit"),
    "huge tensor count": (gb.build([], [], n_tensors=2**62), "cannot fit"),
    "huge key length": (_str_kv_file(2**64 - 1), "key length"),
    "huge string length": (
        gb.build([gb.kv(b"s", gb.STRING, struct.pack("<Q", 2**40) + b"abc")], []),
        "string value",
    ),
    "huge array count": (
        gb.build([gb.kv(b"a", gb.ARRAY, gb.arr(gb.U64, 2**61, b""))], []),
        "cannot fit",
    ),
    "huge string array": (
        gb.build([gb.kv(b"a", gb.ARRAY, gb.arr(gb.STRING, 2**60, b""))], []),
        "cannot fit",
    ),
    "empty key": (gb.build([gb.kv(b"", gb.U8, b"\x01")], []), "empty key"),
    "unknown value type": (
        gb.build([gb.kv(b"x", 13, b"\x01")], []),
        "unknown value type 13",
    ),
    "unknown element type": (
        gb.build([gb.kv(b"x", gb.ARRAY, gb.arr(99, 1, b"\x01"))], []),
        "element type 99",
    ),
    "nested too deep": (
        gb.build(
            [
                gb.kv(
                    b"x",
                    gb.ARRAY,
                    gb.arr(gb.ARRAY, 1, gb.arr(gb.ARRAY, 1, gb.arr(gb.U8, 0, b""))),
                )
            ],
            [],
        ),
        "nested",
    ),
    "bad bool": (gb.build([gb.kv(b"b", gb.BOOL, b"\x02")], []), "not 0 or 1"),
    "duplicate key": (
        gb.build([gb.kv_u32(b"k", 1), gb.kv_u32(b"k", 2)], []),
        "duplicate key 'k'",
    ),
    "alignment zero": (
        gb.build([gb.kv_u32(b"general.alignment", 0)], []),
        "not a power of two",
    ),
    "alignment 48": (
        gb.build([gb.kv_u32(b"general.alignment", 48)], []),
        "not a power of two",
    ),
    "alignment wrong type": (
        gb.build([gb.kv(b"general.alignment", gb.U64, struct.pack("<Q", 32))], []),
        "must be a u32",
    ),
    "too many dims": (
        gb.build([], [gb.tensor_info(b"t", [1, 1, 1, 1, 1], 0, 0)], bytes(32)),
        "5 dimensions",
    ),
    "zero dim": (
        gb.build([], [gb.tensor_info(b"t", [4, 0], 0, 0)], bytes(32)),
        "dimension 1 is 0",
    ),
    "dim overflow": (
        gb.build([], [gb.tensor_info(b"t", [2**32, 2**32, 2**32], 0, 0)], bytes(32)),
        "overflows",
    ),
    "bytes overflow": (
        gb.build([], [gb.tensor_info(b"t", [2**62, 2], 28, 0)], bytes(32)),
        "overflows",
    ),
    "unknown ggml type": (
        gb.build([], [gb.tensor_info(b"t", [32], 4, 0)], bytes(32)),
        "unknown ggml type 4",
    ),
    "partial block": (
        gb.build([], [gb.tensor_info(b"t", [33], 2, 0)], bytes(64)),
        "not a multiple of the q4_0",
    ),
    "misaligned offset": (
        gb.build([], [gb.tensor_info(b"t", [4], 0, 4)], bytes(64)),
        "not a multiple of the alignment",
    ),
    "tensor past EOF": (
        gb.build([], [gb.tensor_info(b"t", [64], 0, 0)], bytes(200)),
        "past the end",
    ),
    "huge offset": (
        gb.build([], [gb.tensor_info(b"t", [4], 0, 2**64 - 32)], bytes(32)),
        "past the end",
    ),
    "overlap": (
        gb.build([], _q8_tensors((b"a", [32], 8, 0), (b"b", [32], 8, 32)), bytes(96)),
        "overlaps tensor 'a'",
    ),
    "duplicate tensor": (
        gb.build([], _q8_tensors((b"a", [32], 8, 0), (b"a", [32], 8, 64)), bytes(128)),
        "duplicate name 'a'",
    ),
    "empty tensor name": (
        gb.build([], [gb.tensor_info(b"", [4], 0, 0)], bytes(32)),
        "empty tensor name",
    ),
    "no data section": (
        gb.build([], [gb.tensor_info(b"t", [4], 0, 0)]),
        "past the end",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed(dump_tool: Path, tmp_path: Path, case: str) -> None:
    data, expect = MALFORMED[case]
    path = tmp_path / "bad.gguf"
    path.write_bytes(data)
    res = run_dump(dump_tool, path)
    assert res.returncode == 1, f"rc {res.returncode}: {res.stdout}{res.stderr}"
    assert res.stdout.startswith(f"error: {path}: "), res.stdout
    assert expect in res.stdout, res.stdout


def test_missing_file(dump_tool: Path, tmp_path: Path) -> None:
    res = run_dump(dump_tool, tmp_path / "nope.gguf")
    assert res.returncode == 1
    assert "cannot open" in res.stdout
