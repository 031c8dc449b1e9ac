"""How much memory a model needs once loaded: its weights plus the KV cache at the context the
REPL will use. The QEMU runner sizes the guest with it, reading the model's header (GGUF
metadata or the llama2.c header) straight off the image's FAT partition with mtools.

The estimate follows firmware/engine/model.c (llmbm_model_state_bytes): a float32 K and V row
per layer and position, kv_dim = n_kv_heads * head_size wide. Only the header is read, however
large the file: metadata arrays (the vocabulary) are skipped element by element, every length
checked against a bound.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
from dataclasses import dataclass
from typing import BinaryIO

from . import BuildError
from .image import fat_target, mtools_env

MIB = 1024 * 1024
# A header (vocabulary and merges included) larger than this is refused as damaged.
MAX_HEADER_BYTES = 256 * MIB
GGUF_MAGIC = b"GGUF"
AK42_MAGIC = 0x616B3432  # "ak42" as llama2.c's export.py writes it: a little-endian uint32

# GGUF metadata value types: id -> struct format of a scalar (strings and arrays are apart).
_GGUF_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_GGUF_STRING = 8
_GGUF_ARRAY = 9


@dataclass(frozen=True)
class ModelShape:
    n_layers: int
    kv_dim: int  # n_kv_heads * head_size
    max_ctx: int  # the context the model was trained for

    def kv_cache_bytes(self, ctx: int) -> int:
        return 2 * self.n_layers * ctx * self.kv_dim * 4


class _Stream:
    """Bounded, all-or-nothing reads from a header."""

    def __init__(self, handle: BinaryIO, what: str) -> None:
        self.handle = handle
        self.what = what
        self.offset = 0

    def read(self, n: int) -> bytes:
        if n < 0 or self.offset + n > MAX_HEADER_BYTES:
            raise BuildError(
                f"{self.what}: header larger than {MAX_HEADER_BYTES // MIB} MiB at offset {self.offset}"
            )
        data = self.handle.read(n)
        if len(data) != n:
            raise BuildError(f"{self.what}: file ends inside its header (offset {self.offset + len(data)})")
        self.offset += n
        return data

    def unpack(self, fmt: str) -> int | float | bool:
        value: int | float | bool = struct.unpack("<" + fmt, self.read(struct.calcsize(fmt)))[0]
        return value

    def string(self) -> str:
        return self.read(int(self.unpack("Q"))).decode("utf-8", errors="replace")


def _gguf_value(s: _Stream, vtype: int) -> object:
    if vtype in _GGUF_SCALARS:
        return s.unpack(_GGUF_SCALARS[vtype])
    if vtype == _GGUF_STRING:
        return s.string()
    if vtype == _GGUF_ARRAY:
        etype, count = int(s.unpack("I")), int(s.unpack("Q"))
        if etype in _GGUF_SCALARS:
            s.read(count * struct.calcsize(_GGUF_SCALARS[etype]))
        else:
            for _ in range(count):
                _gguf_value(s, etype)
        return None
    raise BuildError(f"{s.what}: unknown GGUF metadata type {vtype} at offset {s.offset}")


def gguf_shape(handle: BinaryIO, what: str) -> ModelShape:
    s = _Stream(handle, what)
    if s.read(4) != GGUF_MAGIC:
        raise BuildError(f"{what}: not a GGUF file")
    version = s.unpack("I")
    if version not in (2, 3):
        raise BuildError(f"{what}: GGUF version {version} (2 and 3 are read)")
    s.unpack("Q")  # tensor count
    meta: dict[str, object] = {}
    for _ in range(int(s.unpack("Q"))):
        key = s.string()
        meta[key] = _gguf_value(s, int(s.unpack("I")))
    arch = meta.get("general.architecture")
    if not isinstance(arch, str):
        raise BuildError(f"{what}: no general.architecture in its metadata")

    def number(key: str, default: int | None = None) -> int:
        value = meta.get(f"{arch}.{key}", default)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise BuildError(f"{what}: {arch}.{key} missing or not a positive integer")
        return value

    heads = number("attention.head_count")
    head_size = number("attention.key_length", number("embedding_length") // heads)
    kv_heads = number("attention.head_count_kv", heads)
    return ModelShape(number("block_count"), kv_heads * head_size, number("context_length"))


def llama2c_shape(handle: BinaryIO, what: str) -> ModelShape:
    """The legacy header (seven int32) or the versioned one ("ak42", version, the same seven)."""
    s = _Stream(handle, what)
    head = s.read(8)
    if struct.unpack("<I", head[:4])[0] == AK42_MAGIC:
        head = s.read(8)  # after the magic and the version
    dim, _hidden = struct.unpack("<2i", head)
    n_layers, n_heads, n_kv_heads, _vocab, seq_len = struct.unpack("<5i", s.read(20))
    if min(dim, n_layers, n_heads, n_kv_heads) <= 0 or seq_len <= 0 or dim % n_heads:
        raise BuildError(f"{what}: implausible llama2.c header")
    return ModelShape(n_layers, n_kv_heads * (dim // n_heads), seq_len)


def model_shape(handle: BinaryIO, name: str, what: str) -> ModelShape:
    """By extension, as the firmware decides: .gguf is GGUF, anything else a llama2.c file."""
    return gguf_shape(handle, what) if name.lower().endswith(".gguf") else llama2c_shape(handle, what)


def memory_needed_mib(file_size: int, shape: ModelShape, ctx: int, headroom_mib: int, floor_mib: int) -> int:
    """Weights + KV cache at `ctx` (0: the model's own) + headroom, at least `floor_mib`, in MiB."""
    use_ctx = shape.max_ctx if ctx <= 0 or ctx > shape.max_ctx else ctx
    need = -(-(file_size + shape.kv_cache_bytes(use_ctx)) // MIB) + headroom_mib
    return max(floor_mib, need)


# --- reading the image's FAT partition ---------------------------------------------------------


def image_text(image: os.PathLike[str] | str, name: str) -> str | None:
    """A small file of the image, or None when it is not there."""
    result = subprocess.run(
        ["mtype", "-i", fat_target(image), "::/" + name], capture_output=True, env=mtools_env()
    )
    return result.stdout.decode("utf-8", errors="replace") if result.returncode == 0 else None


def configured_model(cfg: str) -> tuple[str | None, int]:
    """model= and ctx= of a repl.cfg text (the last line of each wins, as in the firmware)."""
    model: str | None = None
    ctx = 0
    for raw in cfg.splitlines():
        line = raw.strip()
        if line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if key == "model":
            model = value or None
        elif key == "ctx" and value.isdigit():
            ctx = int(value)
    return model, ctx


def image_file_size(image: os.PathLike[str] | str, name: str) -> int | None:
    result = subprocess.run(
        ["mdir", "-i", fat_target(image), "::/" + name], capture_output=True, text=True, env=mtools_env()
    )
    match = re.search(r"\s(\d+)\s+\d{4}-\d{2}-\d{2}\s", result.stdout) if result.returncode == 0 else None
    return int(match.group(1)) if match else None


def image_memory_mib(image: os.PathLike[str] | str, headroom_mib: int = 512, floor_mib: int = 2048) -> int:
    """Guest memory for the model repl.cfg names on `image`; `floor_mib` when there is none or
    it cannot be read (the firmware then says what is wrong with it, which is more useful)."""
    cfg = image_text(image, "repl.cfg")
    model, ctx = configured_model(cfg or "")
    if not model:
        return floor_mib
    path = model.replace("\\", "/").lstrip("/")
    size = image_file_size(image, path)
    if size is None:
        return floor_mib
    proc = subprocess.Popen(
        ["mtype", "-i", fat_target(image), "::/" + path],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=mtools_env(),
    )
    assert proc.stdout is not None
    try:
        shape = model_shape(proc.stdout, path, f"{model} on {os.fspath(image)}")
    except BuildError:
        return floor_mib
    finally:
        proc.kill()
        proc.wait()
    return memory_needed_mib(size, shape, ctx, headroom_mib, floor_mib)
