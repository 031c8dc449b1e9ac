"""Broken model and tokenizer files: each must give exit code 1 and one message that names the
file and the problem -- never a crash, a hang or garbage output."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from engine_cli import run_llmbm
from llmbm_build.models import (
    AK42_MAGIC,
    Llama2cConfig,
    checkpoint_bytes,
    random_weights,
    synthetic_tokenizer,
    tokenizer_bytes,
)

CONFIG = Llama2cConfig(dim=16, hidden_dim=32, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=300, seq_len=16)


def good_bytes(fmt: str, config: Llama2cConfig = CONFIG) -> bytes:
    return checkpoint_bytes(config, random_weights(config, seed=3), fmt, group_size=8)


def expect_error(
    build_dir: Path, path: Path, *needles: str, cmd: str = "info", extra: tuple[str, ...] = ()
) -> None:
    proc = run_llmbm(build_dir, cmd, path, *extra, check=False)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 1, f"exit {proc.returncode}, stderr: {err}"
    assert str(path) in err, err
    for needle in needles:
        assert needle in err, err


def legacy_header(*fields: int) -> bytes:
    return struct.pack("<7i", *fields)


def ak42_header(version: int, fields: tuple[int, ...], shared: int = 1, group_size: int = 8) -> bytes:
    head = struct.pack("<Ii", AK42_MAGIC, version) + struct.pack("<7i", *fields) + bytes([shared])
    head += struct.pack("<i", group_size)
    return head.ljust(256, b"\0")


def test_missing_file(build_dir: Path, tmp_path: Path) -> None:
    expect_error(build_dir, tmp_path / "nope.bin", "cannot open")


def test_empty_file(build_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    expect_error(build_dir, path, "empty")


@pytest.mark.parametrize("fmt", ["legacy", "v1", "v2"])
@pytest.mark.parametrize("keep", [3, 27, 100, 255, 0.5, -1])
def test_truncated(build_dir: Path, tmp_path: Path, fmt: str, keep: float) -> None:
    data = good_bytes(fmt)
    n = int(len(data) * keep) if isinstance(keep, float) else (len(data) + keep if keep < 0 else keep)
    path = tmp_path / f"{fmt}.bin"
    path.write_bytes(data[:n])
    expect_error(build_dir, path, "truncated")


@pytest.mark.parametrize("fmt", ["legacy", "v1", "v2"])
def test_trailing_bytes(build_dir: Path, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "long.bin"
    path.write_bytes(good_bytes(fmt) + b"\0" * 64)
    expect_error(build_dir, path, "header disagrees with the file size")


def test_wrong_sign_of_vocab(build_dir: Path, tmp_path: Path) -> None:
    """An unshared legacy file whose header claims a shared classifier."""
    data = bytearray(good_bytes("legacy", Llama2cConfig(**{**CONFIG.__dict__, "shared_classifier": False})))
    struct.pack_into("<i", data, 20, CONFIG.vocab_size)
    path = tmp_path / "sign.bin"
    path.write_bytes(bytes(data))
    expect_error(build_dir, path, "disagrees")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (struct.pack("<Ii", AK42_MAGIC, 3) + b"\0" * 300, "unsupported ak42 version 3"),
        (b"GGUF" + b"\0" * 100, "GGUF"),
        (b"\x00" * 64, "not a llama2.c checkpoint"),
        (b"\xff" * 64, "not a llama2.c checkpoint"),
    ],
    ids=["ak42-v3", "gguf", "zeros", "ones"],
)
def test_wrong_magic(build_dir: Path, tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "magic.bin"
    path.write_bytes(content)
    expect_error(build_dir, path, needle)


ABSURD = {
    "overflowing-product": legacy_header(1 << 30, 1 << 30, 1 << 30, 1, 1, 1 << 30, 1 << 30),
    "huge-vocab": legacy_header(64, 64, 1, 4, 4, 2_000_000_000, 16),
    "int-min-vocab": legacy_header(64, 64, 1, 4, 4, -(1 << 31), 16),
    "zero-dim": legacy_header(0, 64, 1, 4, 4, 32, 16),
    "negative-layers": legacy_header(64, 64, -1, 4, 4, 32, 16),
    "heads-not-dividing": legacy_header(64, 64, 1, 5, 5, 32, 16),
    "kv-above-heads": legacy_header(64, 64, 1, 4, 8, 32, 16),
    "odd-head-size": legacy_header(12, 64, 1, 4, 4, 32, 16),
    "v2-group-zero": ak42_header(2, (16, 32, 1, 4, 4, 32, 16), group_size=0),
    "v2-group-not-dividing": ak42_header(2, (16, 36, 1, 4, 4, 32, 16), group_size=8),
    "v2-group-huge": ak42_header(2, (16, 32, 1, 4, 4, 32, 16), group_size=1 << 30),
}


@pytest.mark.parametrize("name", sorted(ABSURD))
def test_absurd_dimensions(build_dir: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.bin"
    path.write_bytes(ABSURD[name] + b"\0" * 4096)
    expect_error(build_dir, path)


def test_vocab_mismatch(build_dir: Path, testdata: Path) -> None:
    """stories260K (512 tokens) with the 32000-token Llama 2 tokenizer."""
    tok = testdata / "tokenizer.bin"
    proc = run_llmbm(build_dir, "run", testdata / "stories260K.bin", "-z", tok, "-n", "4", check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 1 and str(tok) in err and "32000 tokens" in err and "512" in err, err


@pytest.mark.parametrize("cut", [2, 6, 20, -1])
def test_truncated_tokenizer(build_dir: Path, tmp_path: Path, testdata: Path, cut: int) -> None:
    data = (testdata / "tok512.bin").read_bytes()
    path = tmp_path / "tok.bin"
    path.write_bytes(data[:cut])
    proc = run_llmbm(build_dir, "tokenize", testdata / "stories260K.bin", "-z", path, "hi", check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 1 and str(path) in err, err


def test_tokenizer_negative_length(build_dir: Path, tmp_path: Path, testdata: Path) -> None:
    tok = synthetic_tokenizer(512)
    data = bytearray(tokenizer_bytes(tok))
    struct.pack_into("<i", data, 4 + 4, -5)
    path = tmp_path / "tok.bin"
    path.write_bytes(bytes(data))
    proc = run_llmbm(build_dir, "tokenize", testdata / "stories260K.bin", "-z", path, "hi", check=False)
    assert proc.returncode == 1 and "negative length" in proc.stderr.decode()


def test_token_id_out_of_range(build_dir: Path, testdata: Path) -> None:
    proc = run_llmbm(build_dir, "logits", testdata / "stories260K.bin", "1", "512", check=False)
    assert proc.returncode == 1 and "outside the vocabulary" in proc.stderr.decode()


def test_bad_option_value(build_dir: Path, testdata: Path) -> None:
    proc = run_llmbm(build_dir, "run", testdata / "stories260K.bin", "-t", "hot", check=False)
    assert proc.returncode == 2 and "-t expects a number" in proc.stderr.decode()
