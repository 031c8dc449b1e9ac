"""Is one program's KL to a base really above another's? Paired, per position and per chunk.

    python -m llmbm_build.kl_compare BASE.lp REF.lp OTHER.lp [OTHER.lp ...]

All files are log-probability files (llmbm_build.logprob_file) over the same tokens: BASE is
the float64 reference (llmbm_build.reference_forward), REF and each OTHER a program's run
(`llmbm perplexity --save-logits`, llmbm_build.llama_cpp_logprobs). For each run this prints its
mean KL(base || run); for each OTHER the mean of the per-position difference KL(other) - KL(ref)
with its standard error (the two means share the positions, so their difference is far better
determined than either mean's own error says); and each run's mean KL per chunk, because
positions within a chunk share one KV history and are not independent: a difference that flips
sign from chunk to chunk is rounding luck, not a systematic loss.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from llmbm_build.kl_stats import F64, mean_err
from llmbm_build.logprob_file import Logprobs, read_logprobs

BLOCK = 64  # rows at a time: a SmolLM2 row is 49 152 floats


def position_kl(run: Logprobs, base: Logprobs, name: Path) -> F64:
    if run.rows.shape != base.rows.shape or not np.array_equal(run.tokens, base.tokens):
        raise ValueError(f"{name}: not over the same tokens and vocabulary as the base")
    out = np.empty(base.rows.shape[0])
    for i in range(0, out.size, BLOCK):
        p = np.asarray(base.rows[i : i + BLOCK], dtype=np.float64)
        q = np.asarray(run.rows[i : i + BLOCK], dtype=np.float64)
        out[i : i + BLOCK] = (np.exp(p) * (p - q)).sum(axis=1)
    return out


def report(base_path: Path, runs: list[Path]) -> str:
    base = read_logprobs(base_path)
    kls = {p: position_kl(read_logprobs(p), base, p) for p in runs}
    ref = kls[runs[0]]
    lines = []
    for p, kl in kls.items():
        mean, err = mean_err(kl)
        line = f"{p.name}: mean KL {mean:.6f} ± {err:.6f}"
        if p != runs[0]:
            d, d_err = mean_err(kl - ref)
            line += f"; minus {runs[0].name}: {d:+.6f} ± {d_err:.6f}"
        lines.append(line)
    lines.append(f"per chunk ({base.rows_per_chunk} positions each):")
    for p, kl in kls.items():
        chunks = kl.reshape(base.n_chunks, -1).mean(axis=1)
        lines.append(f"  {p.name}: " + " ".join(f"{v:.6f}" for v in chunks))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m llmbm_build.kl_compare", description=__doc__.split("\n")[0])
    ap.add_argument("base", type=Path)
    ap.add_argument("runs", type=Path, nargs="+", help="REF first, then the runs compared with it")
    args = ap.parse_args(argv)
    print(report(args.base, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
