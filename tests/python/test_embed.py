"""embed: a valid llama2.c tokenizer becomes a C array (compiled and read back here); a bad one
fails with the file name, offset and token index."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from llmbm_build import BuildError
from llmbm_build.embed import validate_tokenizer

MAIN_C = r"""
#include <stdio.h>
#include <stdint.h>
extern const unsigned char llmbm_embedded_tokenizer[];
extern const unsigned long long llmbm_embedded_tokenizer_size;
int main(void) {
    if ((uintptr_t)llmbm_embedded_tokenizer % 16) return 2;
    fwrite(llmbm_embedded_tokenizer, 1, llmbm_embedded_tokenizer_size, stdout);
    return 0;
}
"""


def embed(tokenizer: str, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llmbm_build.embed", "--tokenizer", tokenizer, "--output", str(output)],
        capture_output=True,
        text=True,
    )


def round_trip(tmp_path: Path, tokenizer: str) -> bytes:
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        pytest.fail(f"C compiler {cc!r} not found (apt-get install gcc)")
    generated = tmp_path / "tok.c"
    result = embed(tokenizer, generated)
    assert result.returncode == 0, result.stderr
    (tmp_path / "main.c").write_text(MAIN_C)
    exe = tmp_path / "dump"
    cmd = [cc, "-Wall", "-Wextra", "-Werror", "-o", str(exe), str(tmp_path / "main.c"), str(generated)]
    subprocess.run(cmd, check=True)
    return subprocess.run([str(exe)], check=True, capture_output=True).stdout


def test_good_tokenizer_round_trips(tmp_path: Path, testdata: Path) -> None:
    tok = testdata / "tok512.bin"
    assert round_trip(tmp_path, str(tok)) == tok.read_bytes()
    info = validate_tokenizer(tok.read_bytes(), "tok512.bin")
    assert info.vocab_size == 512


def test_no_tokenizer_is_size_zero(tmp_path: Path) -> None:
    assert round_trip(tmp_path, "") == b""


def tokenizer(max_len: int, tokens: list[tuple[float, bytes]], declared: list[int] | None = None) -> bytes:
    out = struct.pack("<i", max_len)
    for index, (score, text) in enumerate(tokens):
        length = declared[index] if declared else len(text)
        out += struct.pack("<fi", score, length) + text
    return out


GOOD = [(0.0, b"<unk>"), (0.0, b"<s>"), (0.0, b"</s>"), (-1.0, b"a")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x07\x00", "too short"),
        (tokenizer(0, GOOD), "max_token_length 0"),
        (tokenizer(5, GOOD, [5, 3, 4, 0]), "offset 44: token 3: length 0"),
        (tokenizer(5, GOOD, [5, 3, 4, 6]), "token 3: length 6 is not in 1..5"),
        (tokenizer(5, GOOD)[:-1], "token 3: 1 bytes of text but only 0 left"),
        (tokenizer(5, GOOD) + b"\0\0", "token 4: file ends inside the score/length"),
        (tokenizer(5, GOOD[:2]), "only 2 tokens"),
        (tokenizer(5, [(float("nan"), b"x")] + GOOD), "token 0: score is nan"),
    ],
)
def test_bad_tokenizers(tmp_path: Path, data: bytes, expected: str) -> None:
    with pytest.raises(BuildError, match=expected):
        validate_tokenizer(data, "bad.bin")
    bad = tmp_path / "bad.bin"
    bad.write_bytes(data)
    result = embed(str(bad), tmp_path / "out.c")
    assert result.returncode == 1
    assert str(bad) in result.stderr and expected.split(":")[0] in result.stderr
    assert not (tmp_path / "out.c").exists()


def test_missing_file(tmp_path: Path) -> None:
    result = embed(str(tmp_path / "nope.bin"), tmp_path / "out.c")
    assert result.returncode == 1 and "nope.bin" in result.stderr
