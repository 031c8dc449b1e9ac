"""Synthetic llama2.c checkpoints and tokenizers for the engine tests.

    python3 -m llmbm_build.models checkpoint OUT.bin --format legacy|v1|v2 [--dim 64 ...]
    python3 -m llmbm_build.models tokenizer OUT.bin --vocab-size 512

Writes the three llama2.c layouts with random weights of any shape:

* ``legacy``: run.c's 7 x int32 header (a negative vocab size means a separate classifier),
  fp32 weights, and the two unused RoPE tables ``freq_cis_real``/``freq_cis_imag``.
* ``v1``: export.py version 1, a 256-byte ``ak42`` header and fp32 weights, norms first.
* ``v2``: export.py version 2, Q8_0: per tensor int8 values then one f32 scale per group;
  the group size is stored in the header.

The weights are returned as NumPy arrays (rows = output features) so a test can run a reference
forward on exactly what was written (for v2: on the dequantized values).
"""

from __future__ import annotations

import argparse
import struct
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
AK42_MAGIC = 0x616B3432
AK42_HEADER_BYTES = 256
FORMATS = ("legacy", "v1", "v2")


@dataclass(frozen=True)
class Llama2cConfig:
    dim: int = 64
    hidden_dim: int = 172
    n_layers: int = 2
    n_heads: int = 8
    n_kv_heads: int = 4
    vocab_size: int = 512
    seq_len: int = 64
    shared_classifier: bool = True

    @property
    def head_size(self) -> int:
        return self.dim // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.n_kv_heads * self.head_size


@dataclass
class Llama2cWeights:
    """All weights in float32; matrices are [out_features, in_features]."""

    token_embedding: F32  # [vocab, dim]
    rms_att: F32  # [layers, dim]
    wq: F32  # [layers, dim, dim]
    wk: F32  # [layers, kv_dim, dim]
    wv: F32  # [layers, kv_dim, dim]
    wo: F32  # [layers, dim, dim]
    rms_ffn: F32  # [layers, dim]
    w1: F32  # [layers, hidden, dim]
    w2: F32  # [layers, dim, hidden]
    w3: F32  # [layers, hidden, dim]
    rms_final: F32  # [dim]
    classifier: F32 | None  # [vocab, dim], None when shared

    def matrices(self) -> list[F32]:
        """The per-layer matrices in file order (all wq, all wk, ...)."""
        return [self.wq, self.wk, self.wv, self.wo, self.w1, self.w2, self.w3]


def random_weights(config: Llama2cConfig, seed: int = 0, scale: float = 0.15) -> Llama2cWeights:
    """Gaussian weights, sized so activations stay O(1) through a few layers."""
    rng = np.random.default_rng(seed)
    c = config

    def mat(*shape: int) -> F32:
        fan_in = shape[-1]
        return (rng.standard_normal(shape) * (scale * 8.0 / np.sqrt(fan_in))).astype(np.float32)

    def norm(*shape: int) -> F32:
        return (1.0 + 0.1 * rng.standard_normal(shape)).astype(np.float32)

    return Llama2cWeights(
        token_embedding=(rng.standard_normal((c.vocab_size, c.dim)) * 0.5).astype(np.float32),
        rms_att=norm(c.n_layers, c.dim),
        wq=mat(c.n_layers, c.dim, c.dim),
        wk=mat(c.n_layers, c.kv_dim, c.dim),
        wv=mat(c.n_layers, c.kv_dim, c.dim),
        wo=mat(c.n_layers, c.dim, c.dim),
        rms_ffn=norm(c.n_layers, c.dim),
        w1=mat(c.n_layers, c.hidden_dim, c.dim),
        w2=mat(c.n_layers, c.dim, c.hidden_dim),
        w3=mat(c.n_layers, c.hidden_dim, c.dim),
        rms_final=norm(c.dim),
        classifier=None if c.shared_classifier else mat(c.vocab_size, c.dim),
    )


def quantize_q80(w: F32, group_size: int) -> tuple[npt.NDArray[np.int8], F32]:
    """export.py's quantize_q80: groups of group_size, scale max|w|/127, round half to even."""
    flat = w.reshape(-1, group_size).astype(np.float32)
    wmax = np.abs(flat).max(axis=1)
    scale = (wmax / np.float32(127.0)).astype(np.float32)
    safe = np.where(scale == 0, np.float32(1.0), scale)
    q = np.round(flat / safe[:, None]).astype(np.int8)
    return q.reshape(-1), scale


def dequantize_q80(q: npt.NDArray[np.int8], scale: F32, group_size: int) -> F32:
    return (q.reshape(-1, group_size).astype(np.float32) * scale[:, None]).reshape(-1)


def quantized_copy(weights: Llama2cWeights, group_size: int) -> Llama2cWeights:
    """The weights a v2 file really holds: every matrix through Q8_0 and back."""

    def qd(a: F32) -> F32:
        out = np.empty_like(a)
        if a.ndim == 3:
            for i in range(a.shape[0]):
                out[i] = dequantize_q80(*quantize_q80(a[i], group_size), group_size).reshape(a.shape[1:])
            return out
        return dequantize_q80(*quantize_q80(a, group_size), group_size).reshape(a.shape)

    cls = None if weights.classifier is None else qd(weights.classifier)
    return replace(
        weights,
        token_embedding=qd(weights.token_embedding),
        wq=qd(weights.wq),
        wk=qd(weights.wk),
        wv=qd(weights.wv),
        wo=qd(weights.wo),
        w1=qd(weights.w1),
        w2=qd(weights.w2),
        w3=qd(weights.w3),
        classifier=cls,
    )


def _f32(a: npt.ArrayLike) -> bytes:
    return np.ascontiguousarray(a, dtype="<f4").tobytes()


def _params(config: Llama2cConfig, vocab_field: int) -> bytes:
    c = config
    return struct.pack(
        "<7i", c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, vocab_field, c.seq_len
    )


def checkpoint_bytes(config: Llama2cConfig, weights: Llama2cWeights, fmt: str, group_size: int = 32) -> bytes:
    """The file contents of a checkpoint in format ``legacy``, ``v1`` or ``v2``."""
    c, w = config, weights
    if (w.classifier is None) != c.shared_classifier:
        raise ValueError("weights.classifier must be None exactly when the classifier is shared")
    if fmt == "legacy":
        vocab_field = c.vocab_size if c.shared_classifier else -c.vocab_size
        parts = [_params(c, vocab_field), _f32(w.token_embedding), _f32(w.rms_att)]
        parts += [_f32(m) for m in (w.wq, w.wk, w.wv, w.wo)]
        parts += [_f32(w.rms_ffn)] + [_f32(m) for m in (w.w1, w.w2, w.w3)] + [_f32(w.rms_final)]
        # freq_cis_real/imag: seq_len * head_size / 2 floats each, ignored by readers
        half = c.seq_len * c.head_size // 2
        parts += [_f32(np.zeros(half)), _f32(np.zeros(half))]
        if w.classifier is not None:
            parts.append(_f32(w.classifier))
        return b"".join(parts)
    if fmt not in ("v1", "v2"):
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    version = 1 if fmt == "v1" else 2
    header = struct.pack("<Ii", AK42_MAGIC, version) + _params(c, c.vocab_size)
    header += struct.pack("<B", int(c.shared_classifier))
    if version == 2:
        header += struct.pack("<i", group_size)
    header = header.ljust(AK42_HEADER_BYTES, b"\0")
    parts = [header, _f32(w.rms_att), _f32(w.rms_ffn), _f32(w.rms_final)]
    tensors: list[F32] = [w.token_embedding]
    for m in w.matrices():
        tensors.extend(m[i] for i in range(c.n_layers))
    if w.classifier is not None:
        tensors.append(w.classifier)
    for t in tensors:
        if version == 1:
            parts.append(_f32(t))
        else:
            q, s = quantize_q80(t, group_size)
            parts += [q.tobytes(), _f32(s)]
    return b"".join(parts)


def write_checkpoint(
    path: Path, config: Llama2cConfig, weights: Llama2cWeights, fmt: str, group_size: int = 32
) -> None:
    path.write_bytes(checkpoint_bytes(config, weights, fmt, group_size))


# ---- tokenizers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokenizer:
    max_token_length: int
    pieces: list[bytes]
    scores: list[float]


def tokenizer_bytes(tok: Tokenizer) -> bytes:
    out = [struct.pack("<i", tok.max_token_length)]
    for piece, score in zip(tok.pieces, tok.scores, strict=True):
        out.append(struct.pack("<fi", score, len(piece)) + piece)
    return b"".join(out)


def read_tokenizer(data: bytes) -> Tokenizer:
    """Parses a tokenizer.bin whose vocabulary size is implied by its length."""
    (max_len,) = struct.unpack_from("<i", data, 0)
    off, pieces, scores = 4, [], []
    while off < len(data):
        score, n = struct.unpack_from("<fi", data, off)
        pieces.append(data[off + 8 : off + 8 + n])
        scores.append(score)
        off += 8 + n
    return Tokenizer(max_len, pieces, scores)


def synthetic_tokenizer(vocab_size: int, seed: int = 0) -> Tokenizer:
    """<unk>, BOS, EOS, the 256 byte tokens (as far as they fit), single printable characters,
    then random merges of earlier pieces, each with a random score."""
    if vocab_size < 3:
        raise ValueError("a llama2.c vocabulary needs at least 3 tokens")
    rng = np.random.default_rng(seed)
    pieces: list[bytes] = [b"<unk>", b"\n<s>\n", b"\n</s>\n"]
    pieces += [f"<0x{b:02X}>".encode() for b in range(min(256, vocab_size - 3))]
    seen = set(pieces)
    for ch in " etaoinshrdlucmfwypvbgkjqxz.,ETAOINSHRDLU'!?\n":
        if len(pieces) >= vocab_size:
            break
        if ch.encode() not in seen:
            pieces.append(ch.encode())
            seen.add(ch.encode())
    base = len(pieces)
    while len(pieces) < vocab_size:
        a = (
            pieces[int(rng.integers(3 + min(256, vocab_size - 3), len(pieces)))]
            if len(pieces) > base
            else b" "
        )
        b = pieces[int(rng.integers(max(3, base - 40), len(pieces)))]
        cand = a + b
        if cand in seen or len(cand) > 16 or cand.startswith(b"<0x"):
            cand = bytes(rng.choice(list(b" abcdefghij"), size=int(rng.integers(2, 6))).tolist())
            if cand in seen:
                continue
        pieces.append(cand)
        seen.add(cand)
    scores = [0.0, 0.0, 0.0] + [float(-i) for i in range(3, vocab_size)]
    merged = np.array(scores[base:], dtype=np.float32) + rng.standard_normal(vocab_size - base).astype(
        np.float32
    )
    scores[base:] = [float(x) for x in merged]
    return Tokenizer(max(len(p) for p in pieces), pieces, scores)


def write_tokenizer(path: Path, tok: Tokenizer) -> None:
    path.write_bytes(tokenizer_bytes(tok))


# ---- command line ---------------------------------------------------------------------------

SHAPE_FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len")


def add_shape_arguments(ap: argparse.ArgumentParser, defaults: Llama2cConfig | None = None) -> None:
    """--dim, --hidden-dim, ... for every model-writing command line."""
    defaults = defaults or Llama2cConfig()
    for field in SHAPE_FIELDS:
        ap.add_argument("--" + field.replace("_", "-"), type=int, default=getattr(defaults, field))


def config_from_arguments(args: argparse.Namespace, shared_classifier: bool) -> Llama2cConfig:
    return Llama2cConfig(
        **{field: getattr(args, field) for field in SHAPE_FIELDS}, shared_classifier=shared_classifier
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m llmbm_build.models", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    ck = sub.add_parser("checkpoint", help="write a random llama2.c checkpoint")
    ck.add_argument("output", type=Path)
    ck.add_argument("--format", choices=FORMATS, default="legacy")
    add_shape_arguments(ck)
    ck.add_argument("--unshared-classifier", action="store_true")
    ck.add_argument("--group-size", type=int, default=32)
    ck.add_argument("--seed", type=int, default=0)
    tk = sub.add_parser("tokenizer", help="write a synthetic tokenizer.bin")
    tk.add_argument("output", type=Path)
    tk.add_argument("--vocab-size", type=int, default=512)
    tk.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    try:
        if args.command == "checkpoint":
            config = config_from_arguments(args, shared_classifier=not args.unshared_classifier)
            weights = random_weights(config, args.seed)
            write_checkpoint(args.output, config, weights, args.format, args.group_size)
        else:
            write_tokenizer(args.output, synthetic_tokenizer(args.vocab_size, args.seed))
    except (ValueError, OSError) as e:
        print(f"models: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
