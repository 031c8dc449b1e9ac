"""Reference implementations the C engine is checked against: llama2.c's tokenizer
(run.c encode/decode, written from its algorithm) and a NumPy llama forward pass (float64).

For Q8_0 (ak42 v2) models the forward quantizes activations the way runq.c does (groups, scale
max|x|/127, round half away from zero) and takes integer dot products, so it follows the same
arithmetic as the engine up to float rounding.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from llmbm_build.models import Llama2cConfig, Llama2cWeights, Tokenizer

BOS, EOS = 1, 2


# ---- tokenizer ------------------------------------------------------------------------------


class ReferenceTokenizer:
    def __init__(self, tok: Tokenizer) -> None:
        # Pieces are C strings in llama2.c: a NUL byte ends them.
        self.pieces = [p.split(b"\0")[0] for p in tok.pieces]
        self.scores = np.array(tok.scores, dtype=np.float32)
        self.lookup: dict[bytes, int] = {}
        for i, p in enumerate(self.pieces):
            self.lookup.setdefault(p, i)  # duplicates: the lowest id wins

    def byte_token(self, b: int) -> int:
        return b + 3 if b + 3 < len(self.pieces) else 0

    def encode(self, text: bytes, bos: bool = False, eos: bool = False) -> list[int]:
        text = text.split(b"\0")[0]
        tokens: list[int] = [BOS] if bos else []
        if text:
            tokens.append(self.lookup.get(b" ", self.byte_token(0x20)))
        buf = b""
        for i, c in enumerate(text):
            if c & 0xC0 != 0x80:
                buf = b""
            buf += bytes([c])
            nxt = text[i + 1] if i + 1 < len(text) else 0
            if nxt & 0xC0 == 0x80 and len(buf) < 4:
                continue
            if buf in self.lookup:
                tokens.append(self.lookup[buf])
            else:
                tokens.extend(self.byte_token(b) for b in buf)
            buf = b""
        while True:
            best_score, best_id, best_idx = np.float32(-1e10), -1, -1
            for i in range(len(tokens) - 1):
                merged = self.pieces[tokens[i]] + self.pieces[tokens[i + 1]]
                tid = self.lookup.get(merged)
                if tid is not None and self.scores[tid] > best_score:
                    best_score, best_id, best_idx = self.scores[tid], tid, i
            if best_idx < 0:
                break
            tokens[best_idx : best_idx + 2] = [best_id]
        if eos:
            tokens.append(EOS)
        return tokens


# ---- forward --------------------------------------------------------------------------------

F64 = npt.NDArray[np.float64]


def _rmsnorm(x: F64, w: npt.NDArray[np.float32], eps: float = 1e-5) -> F64:
    return w * (x / np.sqrt(np.mean(x * x) + eps))


def _quantize_act(x: F64, gs: int) -> tuple[F64, F64]:
    g = x.astype(np.float32).reshape(-1, gs)
    scale = (np.abs(g).max(axis=1) / np.float32(127.0)).astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = (g / scale[:, None]).astype(np.float32)
    q = np.where(np.isnan(v), 0.0, np.sign(v) * np.floor(np.abs(v) + 0.5))
    return q.astype(np.float64), scale.astype(np.float64)


class ReferenceModel:
    """Weights as stored (for v2: dequantized) plus the activation group size (v2 only)."""

    def __init__(self, config: Llama2cConfig, weights: Llama2cWeights, group_size: int | None = None) -> None:
        self.c, self.w, self.gs = config, weights, group_size

    def _matvec(self, w: npt.NDArray[np.float32], x: F64) -> F64:
        if self.gs is None:
            return w.astype(np.float64) @ x
        # For Q8_0 the dequantized weight times the dequantized activation is the same sum
        # as runq's integer dots scaled per group.
        q, s = _quantize_act(x, self.gs)
        return w.astype(np.float64) @ (q.reshape(-1, self.gs) * s[:, None]).reshape(-1)

    def _qkv(self, layer: int, xb: F64) -> tuple[F64, F64, F64]:
        """Hook: GGUF subclasses add biases here."""
        w = self.w
        return self._matvec(w.wq[layer], xb), self._matvec(w.wk[layer], xb), self._matvec(w.wv[layer], xb)

    def _rope(self, q: F64, k: F64, pos: int) -> None:
        """llama2.c's RoPE: adjacent pairs, theta 10000 (in place). Hook for other modes."""
        c, hs = self.c, self.c.head_size
        for i in range(0, c.dim, 2):
            freq = 1.0 / 10000.0 ** ((i % hs) / hs)
            cr, ci = np.cos(pos * freq), np.sin(pos * freq)
            for vec in (q, k) if i < c.kv_dim else (q,):
                v0, v1 = vec[i], vec[i + 1]
                vec[i], vec[i + 1] = v0 * cr - v1 * ci, v0 * ci + v1 * cr

    def logits(self, tokens: list[int]) -> F64:
        c, w = self.c, self.w
        hs, kv_mul = c.head_size, c.n_heads // c.n_kv_heads
        keys = np.zeros((c.n_layers, len(tokens), c.kv_dim))
        values = np.zeros_like(keys)
        out = []
        for pos, tok in enumerate(tokens):
            x = w.token_embedding[tok].astype(np.float64)
            for layer in range(c.n_layers):
                xb = _rmsnorm(x, w.rms_att[layer])
                q, k, v = self._qkv(layer, xb)
                self._rope(q, k, pos)
                keys[layer, pos], values[layer, pos] = k, v
                att_out = np.zeros(c.dim)
                for h in range(c.n_heads):
                    kh = (h // kv_mul) * hs
                    scores = keys[layer, : pos + 1, kh : kh + hs] @ q[h * hs : (h + 1) * hs] / np.sqrt(hs)
                    p = np.exp(scores - scores.max())
                    p /= p.sum()
                    att_out[h * hs : (h + 1) * hs] = p @ values[layer, : pos + 1, kh : kh + hs]
                x = x + self._matvec(w.wo[layer], att_out)
                xb = _rmsnorm(x, w.rms_ffn[layer])
                h1 = self._matvec(w.w1[layer], xb)
                h3 = self._matvec(w.w3[layer], xb)
                x = x + self._matvec(w.w2[layer], h1 / (1.0 + np.exp(-h1)) * h3)
            x = _rmsnorm(x, w.rms_final)
            cls = w.token_embedding if w.classifier is None else w.classifier
            out.append(self._matvec(cls, x))
        return np.array(out)
