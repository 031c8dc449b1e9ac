"""A float64 NumPy forward pass over a GGUF file's own weights, batched over a chunk of tokens:
the base that `llmbm perplexity --kl-base` and llama.cpp's logits are both measured against.

Weights are dequantized with ``gguf.quants.dequantize`` (so every weight type reads the values
the kernels see) and everything after that is float64: no activation quantization, no float32
rounding. What is left between this and a kernel is the kernel's own arithmetic error.

Architectures: every family the engine reads. What each one changes (biases, per-head Q/K
norms, post-norms, GELU, embedding/residual/attention/logit multipliers, soft-capping, sliding
windows with their own RoPE base, NoPE layers, fused QKV and gate+up, partial rotary, Llama 3
and LongRoPE frequency factors) is read from the metadata by llmbm_build.reference_config.

    python -m llmbm_build.reference_forward MODEL.gguf BASE.lp --tokens-from OTHER.lp
    python -m llmbm_build.reference_forward MODEL.gguf BASE.lp --text FILE --ctx 512 --llmbm B/llmbm

writes the log-probabilities of every scored position in the log-probability file format
(llmbm_build.logprob_file), for `llmbm perplexity MODEL --kl-base BASE.lp`. With --text the
tokens come from `llmbm tokenize` (the engine's tokenizer) cut into chunks as `llmbm
perplexity` cuts them.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np
import numpy.typing as npt

from llmbm_build.logprob_file import read_logprobs, write_logprobs
from llmbm_build.reference_act_quant import ROUNDINGS, q8_0_dequantized
from llmbm_build.reference_config import read_config

F64 = npt.NDArray[np.float64]
# weight types whose dot products take Q8_0 activations (ggml's vec_dot_type)
Q8_0_PAIRED = (gguf.GGMLQuantizationType.Q8_0, gguf.GGMLQuantizationType.Q5_0, gguf.GGMLQuantizationType.Q4_0)


@dataclass
class Layer:
    attn_norm: F64
    wq: F64
    wk: F64
    wv: F64
    wo: F64
    ffn_norm: F64
    w_gate: F64
    w_up: F64
    w_down: F64
    bq: F64 | None = None
    bk: F64 | None = None
    bv: F64 | None = None
    q_norm: F64 | None = None
    k_norm: F64 | None = None
    post_attn_norm: F64 | None = None
    post_ffn_norm: F64 | None = None


class ReferenceForward:
    def __init__(self, path: Path, q8_activations: str | None = None) -> None:
        """q8_activations (None, 'ref' or 'simd'): quantize the input of every matmul whose
        weights pair with Q8_0 activations (Q8_0, Q5_0, Q4_0), as llmbm_build.reference_act_quant."""
        reader = gguf.GGUFReader(str(path))
        self.q8_activations = q8_activations
        self._q8_paired: set[int] = set()  # id() of the matrices whose input is quantized
        self.config = c = read_config(reader, path)
        self.arch = c.arch
        tensors = {t.name: t for t in reader.tensors}

        def get(name: str) -> F64:
            t = tensors.get(name)
            if t is None:
                raise ValueError(f"{path}: missing tensor {name}")
            w = gguf.quants.dequantize(t.data, t.tensor_type)
            rows = [int(d) for d in reversed(t.shape)]
            out = np.asarray(w, dtype=np.float64).reshape(rows)
            if t.tensor_type in Q8_0_PAIRED:
                self._q8_paired.add(id(out))
            return out

        def opt(name: str) -> F64 | None:
            return get(name) if name in tensors else None

        def split(name: str, rows: list[int]) -> list[F64]:
            w = get(name)
            if w.shape[0] != sum(rows):
                raise ValueError(f"{path}: {name} has {w.shape[0]} rows, not {sum(rows)}")
            parts = np.split(w, np.cumsum(rows)[:-1])
            if id(w) in self._q8_paired:
                self._q8_paired.update(id(part) for part in parts)
            return parts

        self.embedding = get("token_embd.weight")
        self.output_norm = get("output_norm.weight")
        out = opt("output.weight")
        self.classifier = self.embedding if out is None else out
        # per-pair divisors of the RoPE frequencies: Llama 3's rope_freqs, or phi3's LongRoPE
        self.rope_freqs = opt("rope_freqs.weight")
        self.rope_freqs_long: F64 | None = None
        if c.longrope_orig_ctx and self.rope_freqs is None:
            self.rope_freqs = opt("rope_factors_short.weight")
            self.rope_freqs_long = opt("rope_factors_long.weight")
        q_dim, kv_dim = c.n_heads * c.head_size, c.n_kv_heads * c.head_size
        self.layers = []
        for i in range(c.n_layers):
            b = f"blk.{i}."
            if f"{b}attn_qkv.weight" in tensors:
                wq, wk, wv = split(f"{b}attn_qkv.weight", [q_dim, kv_dim, kv_dim])
            else:
                wq, wk, wv = get(f"{b}attn_q.weight"), get(f"{b}attn_k.weight"), get(f"{b}attn_v.weight")
            if c.fused:
                hidden = get(f"{b}ffn_down.weight").shape[1]
                w_gate, w_up = split(f"{b}ffn_up.weight", [hidden, hidden])  # gate first
            else:
                w_gate, w_up = get(f"{b}ffn_gate.weight"), get(f"{b}ffn_up.weight")
            need = get if c.qk_norm else opt
            post = get if c.post_norms else opt
            self.layers.append(
                Layer(
                    attn_norm=get(f"{b}attn_norm.weight"),
                    wq=wq,
                    wk=wk,
                    wv=wv,
                    wo=get(f"{b}attn_output.weight"),
                    ffn_norm=get(f"{b}ffn_norm.weight"),
                    w_gate=w_gate,
                    w_up=w_up,
                    w_down=get(f"{b}ffn_down.weight"),
                    bq=(get if c.qkv_bias else opt)(f"{b}attn_q.bias"),
                    bk=(get if c.qkv_bias else opt)(f"{b}attn_k.bias"),
                    bv=(get if c.qkv_bias else opt)(f"{b}attn_v.bias"),
                    q_norm=need(f"{b}attn_q_norm.weight") if c.qk_norm else None,
                    k_norm=need(f"{b}attn_k_norm.weight") if c.qk_norm else None,
                    post_attn_norm=post(f"{b}post_attention_norm.weight") if c.post_norms else None,
                    post_ffn_norm=post(f"{b}post_ffw_norm.weight") if c.post_norms else None,
                )
            )

    @property
    def n_vocab(self) -> int:
        return int(self.classifier.shape[0])

    def _mm(self, x: F64, w: F64) -> F64:
        if self.q8_activations and id(w) in self._q8_paired:
            x = q8_0_dequantized(x, self.q8_activations)
        return x @ w.T

    def _rmsnorm(self, x: F64, w: F64) -> F64:
        return w * (x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + self.config.eps))

    def _rope(self, x: F64, n_heads: int, local: bool, n_ctx: int) -> F64:
        """Rotates each head's first rope_dim features by position (x: positions x heads*hs),
        with angles pos * freq_scale * base^(-2i/rope_dim) / factor_i, as ggml's rope."""
        c = self.config
        n, hs, rd, half = x.shape[0], c.head_size, c.rope_dim, c.rope_dim // 2
        base, scale = (c.rope_base_swa, c.freq_scale_swa) if local else (c.rope_base, c.freq_scale)
        freqs = base ** (-2.0 * np.arange(half) / rd)
        factors, mscale = None, 1.0
        if not local:
            long = self.rope_freqs_long is not None and n_ctx > c.longrope_orig_ctx
            factors = self.rope_freqs_long if long else self.rope_freqs
            mscale = c.rope_attn_factor
        if factors is not None:
            freqs = freqs / factors
        theta = np.arange(n)[:, None] * freqs * scale
        cos, sin = (mscale * np.cos(theta))[:, None, :], (mscale * np.sin(theta))[:, None, :]
        x = x.reshape(n, n_heads, hs).copy()
        ia, ib = (
            (np.arange(half), np.arange(half) + half)
            if c.neox
            else (np.arange(0, rd, 2), np.arange(1, rd, 2))
        )
        a, b = x[..., ia].copy(), x[..., ib].copy()
        x[..., ia], x[..., ib] = a * cos - b * sin, a * sin + b * cos
        return x.reshape(n, n_heads * hs)

    def _attention(self, q: F64, k: F64, v: F64, local: bool) -> F64:
        c = self.config
        n, hs = q.shape[0], c.head_size
        group = c.n_heads // c.n_kv_heads
        qh = q.reshape(n, c.n_heads, hs).transpose(1, 0, 2)
        kh = np.repeat(k.reshape(n, c.n_kv_heads, hs).transpose(1, 0, 2), group, axis=0)
        vh = np.repeat(v.reshape(n, c.n_kv_heads, hs).transpose(1, 0, 2), group, axis=0)
        scores = qh @ kh.transpose(0, 2, 1) * c.q_k_scale()
        if c.attn_softcap:
            scores = c.attn_softcap * np.tanh(scores / c.attn_softcap)
        pos = np.arange(n)
        masked = pos[None, :] > pos[:, None]  # [query, key]: the future
        if local:  # a local layer sees positions pos - window + 1 .. pos
            masked |= pos[:, None] - pos[None, :] >= c.sliding_window
        scores[:, masked] = -np.inf
        p = np.exp(scores - scores.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        return (p @ vh).transpose(1, 0, 2).reshape(n, c.n_heads * hs)

    def _heads_norm(self, x: F64, w: F64, n_heads: int) -> F64:
        n = x.shape[0]
        return self._rmsnorm(x.reshape(n, n_heads, -1), w).reshape(n, -1)

    def _residual(self, x: F64, out: F64, post_norm: F64 | None) -> F64:
        if post_norm is not None:
            out = self._rmsnorm(out, post_norm)
        return x + self.config.residual_scale * out

    def hidden(self, tokens: npt.ArrayLike, n_ctx: int | None = None) -> F64:
        """The final-normed hidden state at every position of `tokens` (one sequence from 0).
        n_ctx is the run's context length (phi3's LongRoPE picks its factors by it); default:
        the sequence's length, as `llmbm logits` runs."""
        c = self.config
        ids = np.asarray(tokens, dtype=np.int64)
        n_ctx = ids.size if n_ctx is None else n_ctx
        x = self.embedding[ids] * c.embedding_scale
        for i, layer in enumerate(self.layers):
            local = c.is_local(i)
            xb = self._rmsnorm(x, layer.attn_norm)
            q, k, v = self._mm(xb, layer.wq), self._mm(xb, layer.wk), self._mm(xb, layer.wv)
            if layer.bq is not None:
                q = q + layer.bq
            if layer.bk is not None:
                k = k + layer.bk
            if layer.bv is not None:
                v = v + layer.bv
            if layer.q_norm is not None and layer.k_norm is not None:
                q, k = (
                    self._heads_norm(q, layer.q_norm, c.n_heads),
                    self._heads_norm(k, layer.k_norm, c.n_kv_heads),
                )
            if c.has_rope(i):
                q, k = self._rope(q, c.n_heads, local, n_ctx), self._rope(k, c.n_kv_heads, local, n_ctx)
            x = self._residual(x, self._mm(self._attention(q, k, v, local), layer.wo), layer.post_attn_norm)
            xb = self._rmsnorm(x, layer.ffn_norm)
            g = self._mm(xb, layer.w_gate)
            if c.gelu:
                act = 0.5 * g * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (g + 0.044715 * g**3)))
            else:
                act = g / (1.0 + np.exp(-g))
            x = self._residual(x, self._mm(act * self._mm(xb, layer.w_up), layer.w_down), layer.post_ffn_norm)
        return self._rmsnorm(x, self.output_norm)

    def _logits_of(self, h: F64) -> F64:
        c = self.config
        z = self._mm(h, self.classifier) / c.logit_scale
        if c.final_softcap:
            z = c.final_softcap * np.tanh(z / c.final_softcap)
        return z

    def logits(self, tokens: npt.ArrayLike) -> F64:
        return self._logits_of(self.hidden(tokens))

    def chunk_logprobs(self, chunk: npt.ArrayLike, first: int) -> F64:
        """Log-probabilities at positions first .. len(chunk) - 2 (what `llmbm perplexity` scores,
        with a context of len(chunk))."""
        chunk = np.asarray(chunk)
        z = self._logits_of(self.hidden(chunk[:-1], n_ctx=chunk.size)[first:])
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


def write_reference(
    model: Path, out: Path, tokens: npt.NDArray[np.integer], first: int, q8_activations: str | None = None
) -> None:
    ref = ReferenceForward(model, q8_activations)

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
    ap.add_argument(
        "--q8-activations",
        choices=ROUNDINGS,
        help="quantize the inputs of Q8_0/Q5_0/Q4_0 matmuls to Q8_0 with this rounding "
        "(what the quantization alone costs, measured against the plain reference)",
    )
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
    write_reference(args.model, args.out, tokens, first, args.q8_activations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
