"""A float64 NumPy forward pass over a GGUF file's own weights, batched over a chunk of tokens:
the base that `llmbm perplexity --kl-base` and llama.cpp's logits are both measured against.

Weights are dequantized with ``gguf.quants.dequantize`` (so every weight type reads the values
the kernels see) and everything after that is float64: no activation quantization, no float32
rounding. What is left between this and a kernel is the kernel's own arithmetic error.

Architectures: ``llama`` (adjacent-pair RoPE, ggml's mode 0) and ``qwen2`` (q/k/v biases,
NEOX RoPE). The other families the engine reads (qwen3, smollm3, granite, gemma2/3, phi3) are
refused by name: each needs its own pieces (Q/K norms, soft-capping, windows, LongRoPE).

    python -m llmbm_build.reference_forward MODEL.gguf BASE.lp --tokens-from OTHER.lp
    python -m llmbm_build.reference_forward MODEL.gguf BASE.lp --text FILE --ctx 512 --llmbm B/llmbm

writes the log-probabilities of every scored position in the log-probability file format
(llmbm_build.logprob_file), for `llmbm perplexity MODEL --kl-base BASE.lp`. With --text the
tokens come from `llmbm tokenize` (the engine's tokenizer) cut into chunks as `llmbm
perplexity` cuts them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np
import numpy.typing as npt

from llmbm_build.logprob_file import read_logprobs, write_logprobs

F64 = npt.NDArray[np.float64]
SUPPORTED = ("llama", "qwen2")


def _field(reader: gguf.GGUFReader, key: str, default: float | int | None = None) -> float | int:
    f = reader.fields.get(key)
    if f is None:
        if default is None:
            raise ValueError(f"missing metadata key {key}")
        return default
    return f.contents()  # type: ignore[no-any-return]


@dataclass
class Layer:
    attn_norm: F64
    wq: F64
    wk: F64
    wv: F64
    wo: F64
    bq: F64 | None
    bk: F64 | None
    bv: F64 | None
    ffn_norm: F64
    w_gate: F64
    w_up: F64
    w_down: F64


class ReferenceForward:
    def __init__(self, path: Path) -> None:
        reader = gguf.GGUFReader(str(path))
        arch = str(_field(reader, "general.architecture"))
        if arch not in SUPPORTED:
            raise ValueError(
                f"{path}: architecture '{arch}' has no float64 reference (have {', '.join(SUPPORTED)})"
            )
        self.arch = arch
        tensors = {t.name: t for t in reader.tensors}

        def get(name: str) -> F64:
            t = tensors.get(name)
            if t is None:
                raise ValueError(f"{path}: missing tensor {name}")
            w = gguf.quants.dequantize(t.data, t.tensor_type)
            rows = [int(d) for d in reversed(t.shape)]
            return np.asarray(w, dtype=np.float64).reshape(rows)

        def opt(name: str) -> F64 | None:
            return get(name) if name in tensors else None

        self.n_heads = int(_field(reader, f"{arch}.attention.head_count"))
        self.n_kv_heads = int(_field(reader, f"{arch}.attention.head_count_kv", self.n_heads))
        self.eps = float(_field(reader, f"{arch}.attention.layer_norm_rms_epsilon", 1e-5))
        self.rope_base = float(_field(reader, f"{arch}.rope.freq_base", 10000.0))
        n_layers = int(_field(reader, f"{arch}.block_count"))
        self.embedding = get("token_embd.weight")
        self.dim = self.embedding.shape[1]
        self.head_size = self.dim // self.n_heads
        self.n_rot = int(_field(reader, f"{arch}.rope.dimension_count", self.head_size))
        self.output_norm = get("output_norm.weight")
        out = opt("output.weight")
        self.classifier = self.embedding if out is None else out
        self.layers = [
            Layer(
                attn_norm=get(f"blk.{i}.attn_norm.weight"),
                wq=get(f"blk.{i}.attn_q.weight"),
                wk=get(f"blk.{i}.attn_k.weight"),
                wv=get(f"blk.{i}.attn_v.weight"),
                wo=get(f"blk.{i}.attn_output.weight"),
                bq=opt(f"blk.{i}.attn_q.bias"),
                bk=opt(f"blk.{i}.attn_k.bias"),
                bv=opt(f"blk.{i}.attn_v.bias"),
                ffn_norm=get(f"blk.{i}.ffn_norm.weight"),
                w_gate=get(f"blk.{i}.ffn_gate.weight"),
                w_up=get(f"blk.{i}.ffn_up.weight"),
                w_down=get(f"blk.{i}.ffn_down.weight"),
            )
            for i in range(n_layers)
        ]

    @property
    def n_vocab(self) -> int:
        return int(self.classifier.shape[0])

    def _rmsnorm(self, x: F64, w: F64) -> F64:
        return w * (x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + self.eps))

    def _rope(self, x: F64, n_heads: int) -> F64:
        """Rotates each head's first n_rot features by position (x: positions x heads*hs)."""
        n, hs, half = x.shape[0], self.head_size, self.n_rot // 2
        x = x.reshape(n, n_heads, hs).copy()
        theta = np.arange(n)[:, None] * self.rope_base ** (-2.0 * np.arange(half) / self.n_rot)
        cos, sin = np.cos(theta)[:, None, :], np.sin(theta)[:, None, :]
        if self.arch == "llama":  # ggml mode 0: pairs (2i, 2i+1)
            a, b = x[..., 0 : self.n_rot : 2].copy(), x[..., 1 : self.n_rot : 2].copy()
            x[..., 0 : self.n_rot : 2], x[..., 1 : self.n_rot : 2] = a * cos - b * sin, a * sin + b * cos
        else:  # NEOX: pairs (i, i + n_rot/2)
            a, b = x[..., :half].copy(), x[..., half : self.n_rot].copy()
            x[..., :half], x[..., half : self.n_rot] = a * cos - b * sin, a * sin + b * cos
        return x.reshape(n, n_heads * hs)

    def _attention(self, q: F64, k: F64, v: F64) -> F64:
        n, hs = q.shape[0], self.head_size
        group = self.n_heads // self.n_kv_heads
        qh = q.reshape(n, self.n_heads, hs).transpose(1, 0, 2)
        kh = np.repeat(k.reshape(n, self.n_kv_heads, hs).transpose(1, 0, 2), group, axis=0)
        vh = np.repeat(v.reshape(n, self.n_kv_heads, hs).transpose(1, 0, 2), group, axis=0)
        scores = qh @ kh.transpose(0, 2, 1) / np.sqrt(hs)
        scores[:, np.triu(np.ones((n, n), dtype=bool), 1)] = -np.inf
        p = np.exp(scores - scores.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        return (p @ vh).transpose(1, 0, 2).reshape(n, self.n_heads * hs)

    def hidden(self, tokens: npt.ArrayLike) -> F64:
        """The final-normed hidden state at every position of `tokens` (one sequence from 0)."""
        x = self.embedding[np.asarray(tokens, dtype=np.int64)]
        for layer in self.layers:
            xb = self._rmsnorm(x, layer.attn_norm)
            q, k, v = xb @ layer.wq.T, xb @ layer.wk.T, xb @ layer.wv.T
            if layer.bq is not None and layer.bk is not None and layer.bv is not None:
                q, k, v = q + layer.bq, k + layer.bk, v + layer.bv
            q, k = self._rope(q, self.n_heads), self._rope(k, self.n_kv_heads)
            x = x + self._attention(q, k, v) @ layer.wo.T
            xb = self._rmsnorm(x, layer.ffn_norm)
            g = xb @ layer.w_gate.T
            x = x + (g / (1.0 + np.exp(-g)) * (xb @ layer.w_up.T)) @ layer.w_down.T
        return self._rmsnorm(x, self.output_norm)

    def logits(self, tokens: npt.ArrayLike) -> F64:
        return self.hidden(tokens) @ self.classifier.T

    def chunk_logprobs(self, chunk: npt.ArrayLike, first: int) -> F64:
        """Log-probabilities at positions first .. len(chunk) - 2 (what `llmbm perplexity` scores)."""
        chunk = np.asarray(chunk)
        h = self.hidden(chunk[:-1])[first:]
        z = h @ self.classifier.T
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def text_chunks(llmbm: Path, model: Path, text: Path, n_ctx: int, add_bos: bool) -> npt.NDArray[np.int64]:
    """The text's tokens from `llmbm tokenize`, cut as `llmbm perplexity` cuts them."""
    out = subprocess.run(
        [str(llmbm), "tokenize", str(model), text.read_text()], check=True, capture_output=True, text=True
    ).stdout
    ids = [int(t) for t in out.split()]
    if add_bos:
        ids = [-1, *ids]  # replaced below by each chunk's BOS
    n_chunks = len(ids) // n_ctx
    if n_chunks == 0:
        raise ValueError(f"{text}: {len(ids)} tokens, fewer than one chunk of {n_ctx}")
    return np.array(ids[: n_chunks * n_ctx], dtype=np.int64).reshape(n_chunks, n_ctx)


def write_reference(model: Path, out: Path, tokens: npt.NDArray[np.integer], first: int) -> None:
    ref = ReferenceForward(model)

    def rows() -> Iterator[F64]:
        for i, chunk in enumerate(tokens):
            print(f"reference: chunk {i + 1}/{len(tokens)}", file=sys.stderr, flush=True)
            yield ref.chunk_logprobs(chunk, first)

    write_logprobs(out, ref.n_vocab, tokens, first, rows())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m llmbm_build.reference_forward", description=__doc__.split("\n")[0]
    )
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path, help="log-probability file to write")
    ap.add_argument("--tokens-from", type=Path, help="score the tokens of this log-probability file")
    ap.add_argument("--text", type=Path, help="score this text (tokenized by --llmbm)")
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument(
        "--bos", action="store_true", help="start each chunk with this BOS id's token (see --bos-id)"
    )
    ap.add_argument("--bos-id", type=int, default=1)
    ap.add_argument("--llmbm", type=Path, default=Path("build/llmbm"))
    args = ap.parse_args(argv)
    if args.tokens_from:
        base = read_logprobs(args.tokens_from)
        tokens, first = np.asarray(base.tokens), base.first
    elif args.text:
        tokens = text_chunks(args.llmbm, args.model, args.text, args.ctx, args.bos)
        if args.bos:
            tokens[:, 0] = args.bos_id
        first = args.ctx // 2
    else:
        ap.error("give --tokens-from or --text")
    write_reference(args.model, args.out, tokens, first)
    return 0


if __name__ == "__main__":
    sys.exit(main())
