"""Builds one libFuzzer harness with clang (ASan + UBSan), writes a seed corpus of synthetic
files next to it, and fuzzes briefly. Run by `meson test --suite fuzz`.

The meson project compiler is gcc, which has no libFuzzer, so this script calls clang itself.
A missing clang is a failure, not a skip: the suite would otherwise pass without fuzzing.
"""

from __future__ import annotations

import argparse
import os
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


def build(
    clang: str, harness: Path, sources: list[Path], includes: list[Path], libs: list[Path], out: Path
) -> None:
    cmd = [clang, "-std=gnu11", "-g", "-O1", SANITIZE, "-fno-sanitize-recover=undefined", "-ffp-contract=off"]
    cmd += [f"-I{d}" for d in includes] + [str(harness)] + [str(s) for s in sources] + ["-o", str(out)]
    # Prebuilt (gcc, uninstrumented) libraries: the SIMD kernels need per-level -m flags
    # that one clang command line cannot give; the engine code around them is still fuzzed.
    for lib in libs:
        cmd += [str(lib), f"-Wl,-rpath,{lib.parent}"]
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


def gguf_seeds(corpus: Path) -> None:
    # gguf_bytes (tests/python) writes hand-made GGUF files of every value type.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
    import gguf_bytes

    data = gguf_bytes.valid_file()
    (corpus / "valid.gguf").write_bytes(data)
    for cut in (8, 24, len(data) // 2, len(data) - 1):
        (corpus / f"valid-cut{cut}.gguf").write_bytes(data[:cut])


def gguf_tokenizer_seeds(corpus: Path) -> None:
    # llama.cpp's tokenizer test inputs, each behind a mode byte (vocab,
    # pre-tokenizer and flags; see fuzz_gguf_tokenizer.c).
    testdata = Path(os.environ.get("LLMBM_TESTDATA") or os.environ["LLMBM_TESTDATA_DEFAULT"])
    text = (testdata / "ggml-vocab-gpt-2.gguf.inp").read_text(encoding="utf-8")
    for i, sample in enumerate(text.split("\n__ggml_vocab_test__\n")):
        for mode in (0, 1, 3, 5, 7, 24, 25, 33, 35, 65, 97, 225):
            (corpus / f"inp{i}-m{mode}.txt").write_bytes(bytes([mode]) + sample.encode())


SEEDERS = {
    "checkpoint": (checkpoint_seeds, 4096),
    "tokenizer": (tokenizer_seeds, 4096),
    "gguf": (gguf_seeds, 65536),
    "gguf_tokenizer": (gguf_tokenizer_seeds, 4096),
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", choices=sorted(SEEDERS), required=True)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--include", type=Path, action="append", default=[])
    ap.add_argument("--link", type=Path, action="append", default=[])
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
    build(
        clang,
        harness,
        [s.resolve() for s in args.sources],
        [i.resolve() for i in args.include],
        [lib.resolve() for lib in args.link],
        exe,
    )
    seeder, max_len = SEEDERS[args.target]
    seeder(corpus)
    cmd = [
        str(exe),
        f"-runs={args.runs}",
        f"-max_total_time={args.max_total_time}",
        f"-max_len={max_len}",
        # libFuzzer's default exit code for a crash is 77, which meson reads as "skipped".
        "-error_exitcode=1",
        # A fixed seed keeps CI repeatable; run the harness by hand with other seeds to explore.
        "-seed=1",
        "-timeout_exitcode=1",
        "-rss_limit_mb=2048",
        f"-artifact_prefix={work}/",
        str(corpus),
    ]
    print(" ".join(cmd), flush=True)
    return subprocess.run(cmd, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
