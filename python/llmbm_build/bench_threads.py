"""Decode speed against threads, next to the machine's all-core read bandwidth.

    python3 -m llmbm_build.bench_threads BUILD_DIR [--layers 4] [--threads 1,2] [--tokens 32]

Writes models with the TinyLlama-1.1B shape (dim 2048, hidden 5632, 32 heads, 4 KV heads,
vocab 32000) but only --layers layers: llama2.c float32 and Q8_0 (ak42 v2) checkpoints, whose
mat-vecs are plain C loops, and a Q4_K GGUF, which runs the SIMD kernels. Runs `llmbm bench -T N`
on each and prints tokens/s with the file bytes streamed per second.
The read bandwidth is a NumPy sum over a buffer far larger than the caches, in one process per
CPU at once: a rough figure (NumPy's sum is not a tuned streaming kernel), measured in the
same run so the two numbers share the machine's load."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from llmbm_build.gguf_models import WEIGHT_TYPES, write_gguf_model
from llmbm_build.models import Llama2cConfig, random_weights, write_checkpoint

BANDWIDTH_BYTES = 512 << 20  # per process


def _sum_bandwidth(_: int) -> float:
    buf = np.ones(BANDWIDTH_BYTES // 8, dtype=np.float64)
    best = 0.0
    for _rep in range(4):
        t0 = time.perf_counter()
        buf.sum()
        best = max(best, BANDWIDTH_BYTES / (time.perf_counter() - t0))
    return best


def read_bandwidth(processes: int) -> float:
    """GB/s summed over `processes` concurrent readers (each its best of 4 passes)."""
    with multiprocessing.Pool(processes) as pool:
        return sum(pool.map(_sum_bandwidth, range(processes))) / 1e9


def decode_speed(llmbm: Path, model: Path, threads: int, tokens: int) -> float:
    out = subprocess.run(
        [str(llmbm), "bench", str(model), "-n", str(tokens), "-T", str(threads)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"([0-9.]+) tokens/s", out)
    if not match:
        raise RuntimeError(f"no tokens/s in llmbm bench output: {out!r}")
    return float(match.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python3 -m llmbm_build.bench_threads", description=(__doc__ or "").split("\n\n")[0]
    )
    ap.add_argument("build_dir", type=Path)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--threads", default=f"1,2,{os.cpu_count() or 1}")
    ap.add_argument("--tokens", type=int, default=32)
    args = ap.parse_args(argv)
    threads = sorted({int(t) for t in args.threads.split(",")})
    shape = {"dim": 2048, "hidden_dim": 5632, "n_heads": 32, "n_kv_heads": 4, "vocab_size": 32000}
    config = Llama2cConfig(**shape, n_layers=args.layers, seq_len=256)
    weights = random_weights(config)
    with tempfile.TemporaryDirectory(prefix="llmbm-bench-") as tmp:
        models = {n: Path(tmp) / f"tiny-{n}" for n in ("f32.bin", "q8_0.bin", "q4_K.gguf")}
        write_checkpoint(models["f32.bin"], config, weights, "legacy")
        write_checkpoint(models["q8_0.bin"], config, weights, "v2", group_size=64)
        del weights
        write_gguf_model(models["q4_K.gguf"], config, qtype=WEIGHT_TYPES["q4_K"])
        cpus = os.cpu_count() or 1
        one, every = read_bandwidth(1), read_bandwidth(cpus)
        print(f"read bandwidth (NumPy sum): {one:.1f} GB/s one core, {every:.1f} GB/s {cpus} cores")
        for name, model in models.items():
            size = model.stat().st_size
            for t in threads:
                tps = decode_speed(args.build_dir / "llmbm", model, t, args.tokens)
                streamed = tps * size / 1e9
                print(f"{name:9} {size / 1e9:5.2f} GB  -T {t:<3} {tps:8.2f} tokens/s  {streamed:6.1f} GB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
