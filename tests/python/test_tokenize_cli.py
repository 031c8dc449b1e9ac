"""`llmbm tokenize` on llama.cpp's vocabulary-only GGUFs (no tensors) against their test vectors.

test_gguf_vocab.py checks the tokenizers through the unit-test tool; this goes through the CLI a
user runs, which once failed on every such file (an unsigned underflow sizing the tensor data of a
file whose data section starts past its end). Every vector of every vocabulary must pass, as it
does through the engine's own tool: the pre-tokenizers are llama.cpp's regex lists
(python/llmbm_build/pretokenizers.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from test_gguf_vocab import VOCABS, read_inputs


@pytest.mark.parametrize("name", VOCABS)  # kept complete by test_gguf_vocab
def test_tokenize_vectors(llmbm: Path, testdata: Path, name: str) -> None:
    vocab = testdata / f"ggml-vocab-{name}.gguf"
    inputs = read_inputs(Path(f"{vocab}.inp"))
    want = Path(f"{vocab}.out").read_text().splitlines()
    assert len(inputs) == len(want), f"{vocab}.inp and .out disagree on the number of cases"
    failures = []
    for text, expected in zip(inputs, want, strict=True):
        res = subprocess.run([str(llmbm), "tokenize", str(vocab), text], capture_output=True, timeout=60)
        assert res.returncode == 0, f"{name}: {text!r}: {res.stderr.decode(errors='replace')}"
        got = res.stdout.decode().split()
        if got != expected.split():
            failures.append(f"{text!r}: got {got} want {expected.split()}")
    passed = len(want) - len(failures)
    print(f"{name}: {passed}/{len(want)} through llmbm tokenize")
    assert not failures, f"{name}: {passed}/{len(want)}:\n" + "\n".join(failures)


def test_info_on_a_vocab_only_file(llmbm: Path, testdata: Path) -> None:
    vocab = testdata / "ggml-vocab-qwen2.gguf"
    res = subprocess.run([str(llmbm), "info", str(vocab)], capture_output=True, text=True, check=True)
    assert "tensors: 0" in res.stdout or "no tensors" in res.stdout, res.stdout
    assert "pre-tokenizer qwen2" in res.stdout, res.stdout


def test_run_on_a_vocab_only_file_says_what_is_wrong(llmbm: Path, testdata: Path) -> None:
    vocab = testdata / "ggml-vocab-llama-bpe.gguf"
    res = subprocess.run([str(llmbm), "run", str(vocab), "-i", "hi"], capture_output=True, text=True)
    assert res.returncode == 1, res
    assert str(vocab) in res.stderr and "without tensors" in res.stderr, res.stderr
