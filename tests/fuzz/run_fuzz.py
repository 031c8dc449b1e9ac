"""Builds one libFuzzer harness with clang (ASan + UBSan), writes a seed corpus of synthetic
files next to it, and fuzzes briefly. Run by `meson test --suite fuzz`.

The meson project compiler is gcc, which has no libFuzzer, so this script calls clang itself.
A missing clang is a failure, not a skip: the suite would otherwise pass without fuzzing.
"""

from __future__ import annotations

import argparse
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from llmbm_build.models import (
    Llama2cConfig,
    checkpoint_bytes,
    random_weights,
    synthetic_tokenizer,
    tokenizer_bytes,
)

SANITIZE = "-fsanitize=fuzzer,address,undefined"


def build(clang: str, harness: Path, sources: list[Path], includes: list[Path], out: Path) -> None:
    cmd = [clang, "-std=gnu11", "-g", "-O1", SANITIZE, "-fno-sanitize-recover=undefined", "-ffp-contract=off"]
    cmd += [f"-I{d}" for d in includes] + [str(harness)] + [str(s) for s in sources] + ["-o", str(out)]
    subprocess.run(cmd, check=True)


def checkpoint_seeds(corpus: Path) -> None:
    configs = [
        Llama2cConfig(dim=8, hidden_dim=16, n_layers=1, n_heads=2, n_kv_heads=1, vocab_size=8, seq_len=4),
        Llama2cConfig(
            dim=8,
            hidden_dim=8,
            n_layers=2,
            n_heads=2,
            n_kv_heads=2,
            vocab_size=5,
            seq_len=3,
            shared_classifier=False,
        ),
    ]
    for i, config in enumerate(configs):
        weights = random_weights(config, seed=i)
        for fmt in ("legacy", "v1", "v2"):
            data = checkpoint_bytes(config, weights, fmt, group_size=4)
            (corpus / f"{fmt}-{i}.bin").write_bytes(data)
            (corpus / f"{fmt}-{i}-cut.bin").write_bytes(data[: len(data) // 2])


def tokenizer_seeds(corpus: Path) -> None:
    for vocab in (3, 40, 300):
        tok = tokenizer_bytes(synthetic_tokenizer(vocab, seed=vocab))
        for text in (b"", b"hello world", "h\xe9llo \U0001f999".encode(), b"\xff\x80 a"):
            (corpus / f"v{vocab}-{len(text)}.bin").write_bytes(bytes([len(text)]) + text + tok)
    (corpus / "neg-len.bin").write_bytes(b"\x00" + struct.pack("<ifi", 4, 0.0, -1))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", choices=["checkpoint", "tokenizer"], required=True)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--include", type=Path, action="append", default=[])
    ap.add_argument("--runs", type=int, default=500000)
    ap.add_argument("--max-total-time", type=int, default=15)
    ap.add_argument("sources", type=Path, nargs="+")
    args = ap.parse_args()
    clang = shutil.which("clang")
    if clang is None:
        print(
            "FAIL: clang not found: the fuzz suite needs clang with libFuzzer (libclang-rt-dev)",
            file=sys.stderr,
        )
        return 1
    harness = Path(__file__).resolve().parent / f"fuzz_{args.target}.c"
    work = args.out_dir / f"fuzz-{args.target}"
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    exe = work / f"fuzz_{args.target}"
    build(clang, harness, [s.resolve() for s in args.sources], [i.resolve() for i in args.include], exe)
    (checkpoint_seeds if args.target == "checkpoint" else tokenizer_seeds)(corpus)
    cmd = [
        str(exe),
        f"-runs={args.runs}",
        f"-max_total_time={args.max_total_time}",
        "-max_len=4096",
        "-rss_limit_mb=2048",
        f"-artifact_prefix={work}/",
        str(corpus),
    ]
    print(" ".join(cmd), flush=True)
    return subprocess.run(cmd, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
