"""Hand-built GGUF byte strings for reader tests, malformed ones included.

gguf-py's writer only produces valid files; these helpers write each field
directly so a test can break exactly one of them.
"""

from __future__ import annotations

import struct

# GGUF metadata value type ids
U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)


def gstr(data: bytes) -> bytes:
    return struct.pack("<Q", len(data)) + data


def kv(key: bytes, vtype: int, payload: bytes) -> bytes:
    return gstr(key) + struct.pack("<I", vtype) + payload


def kv_u32(key: bytes, value: int) -> bytes:
    return kv(key, U32, struct.pack("<I", value))


def kv_str(key: bytes, value: bytes) -> bytes:
    return kv(key, STRING, gstr(value))


def arr(elem_type: int, count: int, payload: bytes) -> bytes:
    return struct.pack("<IQ", elem_type, count) + payload


def tensor_info(name: bytes, dims: list[int], ggml_type: int, offset: int) -> bytes:
    out = gstr(name) + struct.pack("<I", len(dims))
    out += b"".join(struct.pack("<Q", d) for d in dims)
    return out + struct.pack("<IQ", ggml_type, offset)


def build(
    kvs: list[bytes],
    tensors: list[bytes],
    data: bytes = b"",
    *,
    version: int = 3,
    magic: bytes = b"GGUF",
    n_kv: int | None = None,
    n_tensors: int | None = None,
    alignment: int = 32,
) -> bytes:
    head = magic + struct.pack(
        "<IQQ",
        version,
        len(tensors) if n_tensors is None else n_tensors,
        len(kvs) if n_kv is None else n_kv,
    )
    body = head + b"".join(kvs) + b"".join(tensors)
    if data:
        body += b"\0" * (-len(body) % alignment) + data
    return body


def valid_file() -> bytes:
    """One key of every scalar type, string and numeric arrays, a nested
    array, alignment 64 and two tensors whose data ends exactly at EOF."""
    kvs = [
        kv(b"t.u8", U8, b"\x07"),
        kv(b"t.i8", I8, b"\xfe"),
        kv(b"t.u16", U16, struct.pack("<H", 65000)),
        kv(b"t.i16", I16, struct.pack("<h", -300)),
        kv_u32(b"t.u32", 4000000000),
        kv(b"t.i32", I32, struct.pack("<i", -5)),
        kv(b"t.f32", F32, struct.pack("<f", 1.5)),
        kv(b"t.bool", BOOL, b"\x01"),
        kv_str(b"t.str", "h\u00e9llo".encode()),
        kv(b"t.u64", U64, struct.pack("<Q", 2**63 + 5)),
        kv(b"t.i64", I64, struct.pack("<q", -(2**40))),
        kv(b"t.f64", F64, struct.pack("<d", -2.25)),
        kv(
            b"t.strs",
            ARRAY,
            arr(STRING, 3, gstr(b"a") + gstr(b"") + gstr(b"\xe2\x96\x81b")),
        ),
        kv(b"t.i32s", ARRAY, arr(I32, 3, struct.pack("<3i", 1, -2, 3))),
        kv(
            b"t.nested",
            ARRAY,
            arr(ARRAY, 2, arr(U8, 1, b"\x01") + arr(STRING, 1, gstr(b"x"))),
        ),
        kv_u32(b"general.alignment", 64),
    ]
    tensors = [
        tensor_info(b"a.weight", [32, 2], 8, 0),  # q8_0: 2 rows of one 34-byte block
        tensor_info(b"b.weight", [3], 0, 128),  # f32
    ]
    data = bytes(range(68)) + b"\0" * (128 - 68) + struct.pack("<3f", 1, 2, 3)
    return build(kvs, tensors, data, alignment=64)
