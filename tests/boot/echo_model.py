"""A tiny GGUF model that answers one fixed sentence, for showing non-ASCII model output.

No small trained model writes "é ß Ж 中文" on cue, so this one is built to: a byte-level BPE
vocabulary (GPT-2's 256 byte tokens) plus one token per word of the answer, and weights that
make each answer token the greedy successor of the one before. The layer's attention and MLP
outputs are zero, so the hidden state is the token's one-hot embedding; the classifier row of
each answer token picks out its predecessor. The words come out of the real engine, tokenizer
and sampler, through the REPL's answer path, exactly as a trained model's would."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
from gpt2_bytes import gpt2_byte_chars

from llmbm_build.gguf_models import write_gguf_model
from llmbm_build.models import Llama2cConfig

TRIGGER = "Say"  # the prompt whose last token ("y") starts the chain
DIM = 288
HIDDEN = 32


def write_echo_model(path: Path, words: list[str]) -> str:
    """Writes the model; returns the answer it gives to TRIGGER (the words, in order)."""
    byte_chars = gpt2_byte_chars()

    def token(text: str) -> str:
        return "".join(byte_chars[b] for b in text.encode())

    tokens = [*byte_chars, "ab", *(token(w) for w in words), "<|endoftext|>"]
    ids = {t: i for i, t in enumerate(tokens)}
    eos = len(tokens) - 1
    vocab = len(tokens)
    assert vocab <= DIM, "one-hot embeddings need dim >= vocabulary"
    embedding = np.zeros((vocab, DIM), np.float32)
    embedding[np.arange(vocab), np.arange(vocab)] = 1.0
    classifier = np.zeros((vocab, DIM), np.float32)
    chain = [byte_chars[ord(TRIGGER[-1])], *(token(w) for w in words), "<|endoftext|>"]
    for before, after in zip(chain, chain[1:], strict=False):
        classifier[ids[after], ids[before]] = 10.0

    def vocabulary(writer: gguf.GGUFWriter) -> None:
        writer.add_tokenizer_model("gpt2")
        writer.add_tokenizer_pre("smollm")
        writer.add_token_list(tokens)
        writer.add_token_types([1] * (vocab - 1) + [3])  # the last one is a control token
        writer.add_token_merges(["a b"])  # the engine wants a merge list; this one is inert
        writer.add_eos_token_id(eos)
        writer.add_bos_token_id(eos)

    config = Llama2cConfig(
        dim=DIM,
        hidden_dim=HIDDEN,
        n_layers=1,
        n_heads=4,
        n_kv_heads=4,
        vocab_size=vocab,
        seq_len=64,
        shared_classifier=False,
    )
    overrides = {
        "token_embd.weight": (embedding, None),
        "output.weight": (classifier, None),
        "output_norm.weight": (np.ones(DIM, np.float32), None),
        "blk.0.attn_output.weight": (np.zeros((DIM, DIM), np.float32), None),
        "blk.0.ffn_down.weight": (np.zeros((DIM, HIDDEN), np.float32), None),
    }
    write_gguf_model(path, config, overrides=overrides, extra_keys=vocabulary)
    return "".join(words)
