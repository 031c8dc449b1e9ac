"""Tiny GGUF models that chat through one model family's template, for the template tests.

Each carries the family's Jinja chat template, its marker tokens (control tokens, as llama.cpp's
converter types them; Qwen3's <think> and </think> are user-defined, so they decode as text)
and a byte-level BPE vocabulary (GPT-2's 256 byte tokens, merges for "\\n\\n" and for each word
of the answer, which must be one pre-tokenizer chunk each, so that the answer re-tokenized
gives the tokens generated; the reasoning, never re-tokenized, is one token). The
weights are built as in tests/boot/echo_model.py: the layer's outputs are zero, so the next
token depends on the current one only, and the classifier chains the answer: the last token
of the family's generation prompt is followed by the answer's tokens, then the family's end of
turn. The template is what these tests are about, so every family uses the llama architecture
and the qwen2 pre-tokenizer; the markers, BOS and EOS are the family's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np
from gpt2_bytes import gpt2_byte_chars

from llmbm_build.chat_template import Renderer, derive
from llmbm_build.gguf_models import write_gguf_model
from llmbm_build.models import Llama2cConfig

DIM = 320
HIDDEN = 32
CONTROL, USER_DEFINED = 3, 4


@dataclass(frozen=True)
class Family:
    name: str
    jinja: str  # the template's text
    markers: tuple[str, ...]  # control tokens (BOS and EOS among them)
    bos: str  # "" when the model has no BOS of its own (Qwen: <|endoftext|> stands in)
    eos: str
    trigger: str  # the generation prompt's last token (GPT-2 byte text)
    answer: tuple[str, ...]  # the tokens of the answer (plain text)
    end: str  # the end-of-turn marker the answer finishes with
    thinks: bool = False  # <think> and </think> are in the vocabulary


def _bpe(text: str) -> str:
    chars = gpt2_byte_chars()
    return "".join(chars[b] for b in text.encode())


def write_family_model(path: Path, f: Family) -> list[str]:
    """Writes the model; returns its vocabulary (token texts, decoded), for the tests."""
    chars = gpt2_byte_chars()
    think = ["<think>", "</think>"] if f.thinks else []
    specials = list(dict.fromkeys([*f.markers, f.bos or f.eos, f.eos]))
    # Merges that build each answer token from its bytes, so the answer re-tokenized (as the
    # template renders it in the next turn's prompt) gives the tokens the model generated.
    merges = [f"{chars[10]} {chars[10]}"]
    plain = dict.fromkeys([*chars, _bpe("\n\n")])
    for word in (_bpe(t) for t in f.answer if t not in specials + think and "LLMBM" not in t):
        for i in range(2, len(word) + 1):
            if word[:i] not in plain:
                merges.append(f"{word[: i - 1]} {word[i - 1]}")
                plain[word[:i]] = None
    plain.update(dict.fromkeys(_bpe(t) for t in f.answer if "LLMBM" in t))
    texts = [*plain, *think, *specials]
    ids = {t: i for i, t in enumerate(texts)}
    vocab = len(texts)
    assert vocab <= DIM, "one-hot embeddings need dim >= vocabulary"
    n_plain = len(texts) - len(think) - len(specials)
    types = [1] * n_plain + [USER_DEFINED] * len(think) + [CONTROL] * len(specials)

    def tok(text: str) -> str:
        return text if text in specials or text in think else _bpe(text)

    embedding = np.zeros((vocab, DIM), np.float32)
    embedding[np.arange(vocab), np.arange(vocab)] = 1.0
    classifier = np.zeros((vocab, DIM), np.float32)
    chain = [tok(f.trigger), *(tok(t) for t in f.answer), f.end]
    assert len(set(chain)) == len(chain), "a token of the chain repeats: it can have one successor only"
    for before, after in zip(chain, chain[1:], strict=False):
        classifier[ids[after], ids[before]] = 10.0

    def vocabulary(writer: gguf.GGUFWriter) -> None:
        writer.add_tokenizer_model("gpt2")
        writer.add_tokenizer_pre("qwen2")
        writer.add_token_list(texts)
        writer.add_token_types(types)
        writer.add_token_merges(merges)
        writer.add_bos_token_id(ids[f.bos or f.eos])
        writer.add_eos_token_id(ids[f.eos])
        # The tokenizer adds BOS when the template writes it as text (Llama 3, Gemma).
        writer.add_add_bos_token(derive(Renderer(f.jinja, f.bos, f.eos)).bos)
        writer.add_chat_template(f.jinja)

    config = Llama2cConfig(
        dim=DIM,
        hidden_dim=HIDDEN,
        n_layers=1,
        n_heads=4,
        n_kv_heads=4,
        vocab_size=vocab,
        seq_len=512,
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
    return texts
