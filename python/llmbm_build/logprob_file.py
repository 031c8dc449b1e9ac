"""The log-probability file of ``llmbm perplexity --save-logits`` / ``--kl-base``, in Python.

Format (little-endian; firmware/host/logprob_file.h is the C side and says the same):

* header, 32 bytes: ``b"LLMBMLP1"``, u32 version (1), u32 n_vocab, u32 n_ctx, u32 n_chunks,
  u32 first (the first scored position of a chunk), u32 reserved (0);
* tokens: n_chunks x n_ctx u32, each chunk as fed to the model;
* rows: for each chunk, for each position j in [first, n_ctx - 2], n_vocab float32: the natural
  log-softmax of the logits after tokens 0..j of the chunk (they predict token j + 1).

The file is exactly that long. :func:`read_logprobs` checks every count against the file size
before mapping the rows.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

MAGIC = b"LLMBMLP1"
VERSION = 1
HEADER = struct.Struct("<8sIIIIII")


class LogprobFileError(Exception):
    """The file is not a well-formed log-probability file; the message names it."""


@dataclass
class Logprobs:
    n_vocab: int
    n_ctx: int
    first: int
    tokens: npt.NDArray[np.uint32]  # (n_chunks, n_ctx)
    rows: npt.NDArray[np.float32]  # (n_chunks * rows_per_chunk, n_vocab), memory-mapped

    @property
    def n_chunks(self) -> int:
        return int(self.tokens.shape[0])

    @property
    def rows_per_chunk(self) -> int:
        return self.n_ctx - 1 - self.first

    def targets(self) -> npt.NDArray[np.int64]:
        """The token each row predicts, in row order."""
        return self.tokens[:, self.first + 1 :].reshape(-1).astype(np.int64)


def write_logprobs(
    path: Path,
    n_vocab: int,
    tokens: npt.NDArray[np.integer],
    first: int,
    rows: Iterable[npt.NDArray[np.floating]],
) -> None:
    """Writes the header, `tokens` (n_chunks x n_ctx) and the rows (each a block of positions x
    n_vocab, in order); checks that the row count matches what the header promises."""
    tokens = np.asarray(tokens)
    n_chunks, n_ctx = tokens.shape
    if not 0 <= first <= n_ctx - 2:
        raise ValueError(f"first {first} outside 0..{n_ctx - 2}")
    want = n_chunks * (n_ctx - 1 - first)
    written = 0
    with open(path, "wb") as f:
        f.write(HEADER.pack(MAGIC, VERSION, n_vocab, n_ctx, n_chunks, first, 0))
        f.write(tokens.astype("<u4").tobytes())
        for block in rows:
            block = np.asarray(block, dtype="<f4").reshape(-1, n_vocab)
            written += block.shape[0]
            f.write(block.tobytes())
    if written != want:
        raise ValueError(f"{path}: wrote {written} rows, the header says {want}")


def read_logprobs(path: Path) -> Logprobs:
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(HEADER.size)
    if len(head) < HEADER.size:
        raise LogprobFileError(f"{path}: shorter than its {HEADER.size}-byte header")
    magic, version, n_vocab, n_ctx, n_chunks, first, _ = HEADER.unpack(head)
    if magic != MAGIC:
        raise LogprobFileError(f"{path}: not a log-probability file (no LLMBMLP1 magic)")
    if version != VERSION:
        raise LogprobFileError(f"{path}: unsupported version {version} (this reader knows {VERSION})")
    if n_vocab == 0 or n_chunks == 0 or n_ctx < 2 or first > n_ctx - 2:
        raise LogprobFileError(
            f"{path}: inconsistent header counts ({n_vocab=}, {n_ctx=}, {n_chunks=}, {first=})"
        )
    n_rows = n_chunks * (n_ctx - 1 - first)
    want = HEADER.size + 4 * n_chunks * n_ctx + 4 * n_rows * n_vocab
    if size != want:
        raise LogprobFileError(f"{path}: {size} bytes, but its header needs {want}")
    tokens = np.fromfile(path, dtype="<u4", count=n_chunks * n_ctx, offset=HEADER.size).reshape(
        n_chunks, n_ctx
    )
    if tokens.size and int(tokens.max()) >= n_vocab:
        raise LogprobFileError(f"{path}: token {int(tokens.max())} outside its vocabulary of {n_vocab}")
    rows = np.memmap(
        path, dtype="<f4", mode="r", offset=HEADER.size + 4 * tokens.size, shape=(n_rows, n_vocab)
    )
    return Logprobs(n_vocab, n_ctx, first, tokens, rows)
