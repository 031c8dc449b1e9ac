"""`llmbm tokenize` against a Python rendering of llama2.c's encode() on the real Llama 2
tokenizer.bin (32000 tokens) and tok512.bin, on strings that exercise the tricky paths:
unicode, raw (invalid UTF-8) bytes, runs of spaces, the empty string."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_cli import run_llmbm
from llama2c_reference import ReferenceTokenizer
from llmbm_build.models import Llama2cConfig, random_weights, read_tokenizer, write_checkpoint

TRICKY: list[bytes] = [
    b"",
    b" ",
    b"   ",
    b"a",
    b"Once upon a time",
    b"Hello, world! How are you?",
    b"  leading and trailing  ",
    b"runs    of     spaces\t\ttabs\n\nnewlines\r\n",
    "héllo wörld, ça va? Ünïcödé".encode(),
    "日本語のテキストと中文".encode(),
    "emoji 🦙🚀 and 👩‍👩‍👧 zwj".encode(),
    "combining e\u0301 and a\u030a".encode(),
    b"raw \xff\xfe bytes \x80 alone",
    b"truncated \xc3",
    b"\xe2\x82 half euro",
    b"five byte \xf8\x88\x80\x80\x80 sequence",
    b"\x01\x02 control \x1b[0m",
    b"<0x41> <s> </s> <unk>",
    b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    b"1234567890 3.14159 -42",
    b"The quick brown fox jumps over the lazy dog. " * 4,
]


@pytest.fixture(scope="module")
def llama_vocab_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random model whose vocabulary matches tokenizer.bin (the CLI checks that)."""
    config = Llama2cConfig(
        dim=8, hidden_dim=8, n_layers=1, n_heads=2, n_kv_heads=2, vocab_size=32000, seq_len=8
    )
    path = tmp_path_factory.mktemp("vocab32k") / "model.bin"
    write_checkpoint(path, config, random_weights(config), "legacy")
    return path


def c_tokenize(build_dir: Path, model: Path, tokenizer: Path, text: bytes) -> list[int]:
    out = run_llmbm(build_dir, "tokenize", model, "-z", tokenizer, text).stdout.decode()
    return [int(t) for t in out.split()]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_llama2_tokenizer(build_dir: Path, testdata: Path, llama_vocab_model: Path, text: bytes) -> None:
    tok_path = testdata / "tokenizer.bin"
    ref = ReferenceTokenizer(read_tokenizer(tok_path.read_bytes()))
    assert c_tokenize(build_dir, llama_vocab_model, tok_path, text) == ref.encode(text)


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_tok512(build_dir: Path, testdata: Path, text: bytes) -> None:
    tok_path = testdata / "tok512.bin"
    ref = ReferenceTokenizer(read_tokenizer(tok_path.read_bytes()))
    assert c_tokenize(build_dir, testdata / "stories260K.bin", tok_path, text) == ref.encode(text)


def test_known_llama2_ids(build_dir: Path, testdata: Path, llama_vocab_model: Path) -> None:
    """Anchors the reference itself: SentencePiece's ids for a plain sentence."""
    ids = c_tokenize(build_dir, llama_vocab_model, testdata / "tokenizer.bin", b"Hello world")
    assert ids == [15043, 3186]
