"""Builds one libFuzzer harness with clang (ASan + UBSan), writes its seed corpus (fuzz_seeds.py)
beside the repository's corpus (tests/fuzz/corpus/HARNESS/), and fuzzes.

`meson test --suite fuzz` runs each harness briefly with a fixed seed: every file of the
repository's corpus (regression inputs of crashes found and fixed included) is replayed first.
`--campaign-seconds S` (what scripts/fuzz runs) fuzzes for S seconds, then merges what it found
into a minimized corpus and writes back to the repository the small files that add coverage;
the figures (executions, coverage, crashes) go to --result as JSON.

The meson project compiler is gcc, which has no libFuzzer, so this script calls clang itself.
A missing clang is a failure, not a skip: the suite would otherwise pass without fuzzing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from fuzz_seeds import SEEDERS

SANITIZE = "-fsanitize=fuzzer,address,undefined"
REPO_CORPUS = Path(__file__).resolve().parent / "corpus"
# What the repository keeps per harness: files that add coverage, smallest first, within these.
KEEP_FILE_BYTES = 4096
KEEP_TOTAL_BYTES = 24 * 1024
ARTIFACT = re.compile(r"^(crash|leak|timeout|oom|slow-unit)-")


def build(
    clang: str, harness: Path, sources: list[Path], includes: list[Path], libs: list[Path], out: Path
) -> None:
    flags = ["-std=gnu11", "-g", "-O1", "-fno-sanitize-recover=undefined", "-ffp-contract=off"]
    # /selftest's 1024x1024 mat-vec, 24 passes, was 93% of the REPL harness's time.
    flags += ["-DSELFTEST_SIDE=32"]
    flags += [f"-I{d}" for d in includes]
    # The engine's objects are shared by every harness: compiled once per source, flags and
    # contents (the cache sits beside the harnesses' build directories).
    cache = out.parent.parent / "objects"
    cache.mkdir(exist_ok=True)
    headers = hashlib.sha1()
    for d in includes:
        for h in sorted(d.glob("*.h")):
            headers.update(h.read_bytes())
    objects = []
    for src in sources:
        key = hashlib.sha1(
            "\0".join([clang, *flags, str(src), headers.hexdigest()]).encode() + src.read_bytes()
        ).hexdigest()[:16]
        obj = cache / f"{src.stem}-{key}.o"
        if not obj.exists():
            tmp = obj.with_suffix(".tmp")
            cmd = [
                clang,
                *flags,
                "-fsanitize=fuzzer-no-link,address,undefined",
                "-c",
                str(src),
                "-o",
                str(tmp),
            ]
            subprocess.run(cmd, check=True)
            tmp.rename(obj)
        objects.append(obj)
    cmd = [clang, *flags, SANITIZE, str(harness), *map(str, objects), "-o", str(out)]
    # Prebuilt (gcc, uninstrumented) libraries: the SIMD kernels need per-level -m flags
    # that one clang command line cannot give; the engine code around them is still fuzzed.
    for lib in libs:
        cmd += [str(lib), f"-Wl,-rpath,{lib.parent}"]
    cmd += ["-lpthread", "-lm"]
    subprocess.run(cmd, check=True)


def fuzzer_args(work: Path, max_len: int) -> list[str]:
    return [
        f"-max_len={max_len}",
        # libFuzzer's default exit code for a crash is 77, which meson reads as "skipped".
        "-error_exitcode=1",
        "-timeout_exitcode=1",
        "-timeout=10",
        "-rss_limit_mb=2048",
        f"-artifact_prefix={work}/",
    ]


def stats(output: str) -> dict[str, float]:
    """libFuzzer's -print_final_stats lines and its last coverage line."""
    found: dict[str, float] = {}
    for key, value in re.findall(r"^stat::(\w+):\s+(\d+)", output, re.M):
        found[key] = float(value)
    cov = re.findall(r"^#\d+\s+\w+\s+cov: (\d+) ft: (\d+)", output, re.M)
    if cov:
        found["cov"], found["ft"] = float(cov[-1][0]), float(cov[-1][1])
    return found


def keep_minimized(
    exe: Path,
    work: Path,
    corpora: list[Path],
    max_len: int,
    seeds: set[str],
    target: str,
    env: dict[str, str],
) -> int:
    """Merges every corpus into a minimized one, then replaces the repository's corpus with its
    small files that are not seeds (regression-* files always stay). Returns the files kept."""
    merged = work / "merged"
    shutil.rmtree(merged, ignore_errors=True)
    merged.mkdir()
    subprocess.run(
        [str(exe), "-merge=1", f"-max_len={max_len}", str(merged), *map(str, corpora)],
        check=True,
        capture_output=True,
        env=env,
    )
    repo = REPO_CORPUS / target
    repo.mkdir(parents=True, exist_ok=True)
    for old in repo.iterdir():
        if not old.name.startswith("regression-"):
            old.unlink()
    total = 0
    kept = 0
    for f in sorted(merged.iterdir(), key=lambda p: p.stat().st_size):
        data = f.read_bytes()
        digest = hashlib.sha1(data).hexdigest()
        if digest in seeds or len(data) > KEEP_FILE_BYTES or total + len(data) > KEEP_TOTAL_BYTES:
            continue
        (repo / digest[:16]).write_bytes(data)
        total += len(data)
        kept += 1
    return kept


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", choices=sorted(SEEDERS), required=True)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--include", type=Path, action="append", default=[])
    ap.add_argument("--link", type=Path, action="append", default=[])
    ap.add_argument("--runs", type=int, default=500000)
    ap.add_argument("--max-total-time", type=int, default=15)
    ap.add_argument("--campaign-seconds", type=int, default=0, help="fuzz this long and keep the corpus")
    ap.add_argument("--result", type=Path, help="campaign figures as JSON")
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
    # A campaign works apart from the suite's runs, so the two can share a build directory.
    work = args.out_dir / f"{'campaign' if args.campaign_seconds else 'fuzz'}-{args.target}"
    seeds_dir, files = work / "corpus", work / "files"
    for d in (seeds_dir, files):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
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
    seeder(seeds_dir, files)
    repo = REPO_CORPUS / args.target
    corpora = [seeds_dir] + ([repo] if repo.is_dir() else [])
    env = {**os.environ, "LLMBM_FUZZ_FILES": str(files)}
    if not args.campaign_seconds:
        # A fixed seed keeps CI repeatable; scripts/fuzz explores with others.
        cmd = [str(exe), f"-runs={args.runs}", f"-max_total_time={args.max_total_time}", "-seed=1"]
        cmd += fuzzer_args(work, max_len) + [str(c) for c in corpora]
        print(" ".join(cmd), flush=True)
        return subprocess.run(cmd, check=False, env=env).returncode

    found = work / "found"  # new inputs land in the first corpus directory
    found.mkdir(exist_ok=True)
    for old in work.iterdir():
        if ARTIFACT.match(old.name):
            old.unlink()
    seeds = {hashlib.sha1(p.read_bytes()).hexdigest() for p in seeds_dir.iterdir()}
    cmd = [str(exe), f"-max_total_time={args.campaign_seconds}", "-print_final_stats=1"]
    cmd += fuzzer_args(work, max_len) + [str(found), *map(str, corpora)]
    print(" ".join(cmd), flush=True)
    start = time.monotonic()
    run = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, errors="replace")
    seconds = time.monotonic() - start
    (work / "campaign.log").write_text(run.stdout + run.stderr)
    figures = stats(run.stderr)
    crashes = sorted(p.name for p in work.iterdir() if ARTIFACT.match(p.name))
    kept = keep_minimized(exe, work, [found, *corpora], max_len, seeds, args.target, env)
    result = {
        "harness": args.target,
        "seconds": round(seconds, 1),
        "execs": int(figures.get("number_of_executed_units", 0)),
        "execs_per_s": int(figures.get("average_exec_per_sec", 0)),
        "cov": int(figures.get("cov", 0)),
        "ft": int(figures.get("ft", 0)),
        "new_units": int(figures.get("new_units_added", 0)),
        "peak_rss_mb": int(figures.get("peak_rss_mb", 0)),
        "crashes": crashes,
        "status": run.returncode,
        "corpus_kept": kept,
        "log": str(work / "campaign.log"),
    }
    print(json.dumps(result), flush=True)
    if args.result:
        args.result.write_text(json.dumps(result) + "\n")
    return 0 if not crashes and run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
