"""Whole-model decode speed of synthetic GGUF models of real shapes, against the memory bandwidth.

    python3 -m llmbm_build.bench_decode BUILD_DIR [--png decode.png] [--shapes a,b] [--types a,b]
        [-n 64] [-p 128] [-T 1] [--repeat 3] [--models-dir DIR] [--history FILE]
    meson test -C BUILD_DIR --benchmark decode   # all shapes and types, --png BUILD_DIR/decode.png

For each shape (TinyLlama-1.1B, Qwen2.5-0.5B) and weight type (Q4_0, Q8_0, Q4_K, Q6_K) it writes
a random-weight model with ``llmbm_build.gguf_models`` into ``BUILD_DIR/bench-models`` (kept:
a rerun reuses the file), runs ``BUILD_DIR/llmbm bench MODEL -n N -T T`` (the best of
``--repeat`` runs) and prints tokens/s,
and the prompt-processing speed over ``-p`` tokens (the ``pp`` figure, batched), the weight
bandwidth decoding implies (bytes read per token x tokens/s: decoding reads every tensor
once per token, except an untied token embedding, of which it reads one row) and that as a
percentage of this core's read bandwidth, which ``kernels-bench --types none`` measures in the
same run. Random weights decode as fast as trained ones: the work per token does not depend on
the values. Qwen2.5-0.5B's rows of 896 elements do not fit K-quant super-blocks (256): as in
the real Q4_K/Q6_K files, those matrices are stored in llama.cpp's fallback types (Q4_K -> Q5_0,
Q6_K -> Q8_0; ``gguf_models --k-fallback``), so only its down-projections are K-quants. With
``--png`` it also draws the figures as a bar chart (one group per shape, one bar
per type, height = % of the read bandwidth, lines at 100 % and at the 80 % target) with
``llmbm_build.png_canvas``, so no plotting package is needed.

A benchmark, not a test: nothing here is part of ``meson test``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import gguf

from llmbm_build import BuildError, bench_history
from llmbm_build.bench_plot import PALETTE, PlotArea, draw_axis_lines, draw_value_grid, nice_step
from llmbm_build.png_canvas import GLYPH_H, Canvas, Color


@dataclass(frozen=True)
class Shape:
    name: str
    arch: str
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int
    untied: bool  # a separate output.weight, as the real model has


SHAPES = (
    Shape("tinyllama-1.1b", "llama", 2048, 5632, 22, 32, 4, 32000, untied=True),
    Shape("qwen2.5-0.5b", "qwen2", 896, 4864, 24, 14, 2, 151936, untied=False),
)
TYPES = ("q4_0", "q8_0", "q4_K", "q6_K")
SEQ_LEN = 2048


@dataclass(frozen=True)
class Result:
    shape: str
    type: str
    file_bytes: int
    bytes_per_token: int
    tokens_per_s: float
    pp_tokens_per_s: float = 0.0  # prompt processing (batched), when measured

    @property
    def weight_gbps(self) -> float:
        return self.bytes_per_token * self.tokens_per_s / 1e9

    def pct_of(self, bandwidth: float) -> float:
        """The weight bandwidth as a percentage of `bandwidth` (GB/s); 0 when that is unknown."""
        return 100.0 * self.weight_gbps / bandwidth if bandwidth > 0 else 0.0


def bytes_per_token(model: Path) -> int:
    """Tensor bytes one decode step streams: all of them, but only one row of token_embd when
    a separate output.weight exists (tied, token_embd is the classifier and read whole)."""
    tensors = {t.name: t for t in gguf.GGUFReader(model).tensors}
    total = sum(int(t.n_bytes) for t in tensors.values())
    embd = tensors.get("token_embd.weight")
    if "output.weight" in tensors and embd is not None:
        rows = int(embd.n_elements) // int(embd.shape[0])  # shape[0] is the row length (ne0)
        total -= int(embd.n_bytes) - int(embd.n_bytes) // rows
    return total


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise BuildError(f"{what} failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.strip()}")
    return proc.stdout


def ensure_model(models_dir: Path, shape: Shape, qtype: str) -> Path:
    """The model file for (shape, type), written only when it is not there yet."""
    path = models_dir / f"{shape.name}-{qtype}.gguf"
    if path.is_file():
        return path
    models_dir.mkdir(parents=True, exist_ok=True)
    # write beside and rename, so an interrupted run never leaves a truncated model to reuse
    partial = path.with_suffix(".gguf.partial")
    cmd = [sys.executable, "-m", "llmbm_build.gguf_models", str(partial), "--arch", shape.arch]
    cmd += ["--type", qtype, "--dim", str(shape.dim), "--hidden-dim", str(shape.hidden_dim)]
    cmd += ["--n-layers", str(shape.n_layers), "--n-heads", str(shape.n_heads)]
    cmd += ["--n-kv-heads", str(shape.n_kv_heads), "--vocab-size", str(shape.vocab_size)]
    cmd += ["--seq-len", str(SEQ_LEN), "--k-fallback"] + (["--untied"] if shape.untied else [])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parents[1]), env.get("PYTHONPATH")]))
    print(f"writing {path.name} ...", file=sys.stderr, flush=True)
    _run(cmd, f"writing {path.name}", env)
    partial.replace(path)
    return path


def read_bandwidth(kernels_bench: Path) -> float:
    """This core's read bandwidth in GB/s, from kernels-bench's first section alone."""
    out = _run([str(kernels_bench), "--csv", "--types", "none"], "kernels-bench")
    m = re.search(r"^# read_bandwidth_gbps,([0-9.]+)$", out, re.MULTILINE)
    if not m:
        raise BuildError(f"{kernels_bench}: no read_bandwidth_gbps line in its output")
    return float(m.group(1))


def bench_speeds(llmbm: Path, model: Path, n: int, pp: int, threads: int) -> tuple[float, float]:
    """(decode tokens/s over n tokens, prompt tokens/s over pp tokens; 0 when pp is 0)."""
    out = _run(
        [str(llmbm), "bench", str(model), "-p", str(pp), "-n", str(n), "-T", str(threads), "--json"],
        f"llmbm bench {model.name}",
    )
    speeds = {}
    for test in ("tg", "pp"):
        m = re.search(rf'"test": "{test}[0-9]+".*"tokens_per_s": ([0-9.]+)', out)
        if m:
            speeds[test] = float(m.group(1))
    if "tg" not in speeds or (pp and "pp" not in speeds):
        raise BuildError(f"llmbm bench {model.name}: no tg/pp rows in {out.strip()!r}")
    return speeds["tg"], speeds.get("pp", 0.0)


def format_table(results: list[Result], bandwidth: float, n: int, threads: int) -> str:
    lines = [
        f"whole-model decode: {n} tokens from BOS, {threads} thread(s); "
        f"single-core read bandwidth {bandwidth:.2f} GB/s",
        f"{'model':<16} {'type':<5} {'file MB':>8} {'MB/token':>8} {'tok/s':>7} {'weight GB/s':>11} "
        f"{'% of bw':>7} {'pp tok/s':>8}",
    ]
    for r in results:
        lines.append(
            f"{r.shape:<16} {r.type:<5} {r.file_bytes / 1e6:>8.0f} {r.bytes_per_token / 1e6:>8.0f} "
            f"{r.tokens_per_s:>7.2f} "
            f"{r.weight_gbps:>11.2f} {r.pct_of(bandwidth):>6.1f}% {r.pp_tokens_per_s:>8.1f}"
        )
    return "\n".join(lines)


YARDSTICK: Color = (200, 0, 0)  # the 100 % (dashed) and 80 % (dotted) lines
TARGET_PCT = 80.0


def type_color(index: int) -> Color:
    """Bar colour of the index-th weight type (the kernels plot's palette, grey left out)."""
    return PALETTE[1 + index % (len(PALETTE) - 1)]


def draw_chart(results: list[Result], bandwidth: float, n: int, threads: int) -> Canvas:
    """The bar chart: a group per shape, a bar per type, height = % of the read bandwidth."""
    shapes = list(dict.fromkeys(r.shape for r in results))
    types = list(dict.fromkeys(r.type for r in results))
    by_key = {(r.shape, r.type): r for r in results}

    scale = 2
    width, height = 1400, 760
    left, right, top_px, bottom = 110, 30, 110, 150
    canvas = Canvas(width, height)
    # room above the tallest bar for its two labels, and always up to a bit past 100 %
    vmax = max([110.0, *(r.pct_of(bandwidth) for r in results)]) * 1.15
    area = PlotArea(left, top_px, width - left - right, height - top_px - bottom, vmax)

    canvas.text(left, 16, "whole-model decode: % of read bandwidth streamed", scale=scale + 1)
    plural = "" if threads == 1 else "s"
    sub = f"single-core read bandwidth {bandwidth:.2f} GB/s, {threads} thread{plural}, {n} tokens each"
    canvas.text(left, 16 + 3 * GLYPH_H + 14, sub, scale=scale)
    draw_value_grid(canvas, area, nice_step(area.vmax), scale, suffix="%")

    group_w = area.width / max(1, len(shapes))
    slot = max(8, int(group_w * 0.85 / max(1, len(types))))  # one bar and its gap
    labels: list[tuple[int, int, str, int]] = []  # (x, y, text, scale), drawn over the lines
    for si, shape in enumerate(shapes):
        x0 = area.left + int(si * group_w + group_w * 0.075)
        for ti, qtype in enumerate(types):
            r = by_key.get((shape, qtype))
            if r is None:
                continue
            bx, y = x0 + ti * slot, area.y_of(r.pct_of(bandwidth))
            canvas.rect(bx + 3, y, bx + slot - 3, area.bottom, type_color(ti))
            above = (
                f"{r.pct_of(bandwidth):.1f}%",
                f"{r.tokens_per_s:.1f} tok/s",
                f"pp {r.pp_tokens_per_s:.0f}",
            )
            s = scale if max(canvas.text_width(t, scale) for t in above) <= slot else 1
            for li, text in enumerate(above):
                ty = y - (len(above) - li) * (GLYPH_H * s + 4) - 2
                labels.append((bx + (slot - canvas.text_width(text, s)) // 2, ty, text, s))
            tx = bx + (slot - canvas.text_width(qtype, scale)) // 2
            canvas.text(tx, area.bottom + 10, qtype, scale=scale)
        group_x = area.left + int(si * group_w + (group_w - canvas.text_width(shape, scale + 1)) / 2)
        canvas.text(group_x, area.bottom + 10 + GLYPH_H * scale + 12, shape, scale=scale + 1)
    draw_axis_lines(canvas, area)

    canvas.hline(area.left, area.right, area.y_of(100.0), YARDSTICK, dash=12)
    canvas.hline(area.left, area.right, area.y_of(TARGET_PCT), YARDSTICK, dash=3)
    for x, y, text, s in labels:  # on a white patch, so a line through one does not garble it
        canvas.rect(x - 2, y - 2, x + canvas.text_width(text, s) + 1, y + GLYPH_H * s + 2, (255, 255, 255))
        canvas.text(x, y, text, scale=s)
    x, y = area.left, height - 30
    for dash, note in ((12, f"100% = {bandwidth:.2f} GB/s read bandwidth"), (3, f"{TARGET_PCT:g}% target")):
        canvas.hline(x, x + 48, y + GLYPH_H, YARDSTICK, dash=dash)
        canvas.text(x + 58, y, note, YARDSTICK, scale)
        x += 58 + canvas.text_width(note, scale) + 40
    return canvas


def write_png(results: list[Result], bandwidth: float, n: int, threads: int, out: Path) -> None:
    try:
        draw_chart(results, bandwidth, n, threads).save(out)
    except OSError as err:
        raise BuildError(f"{out}: {err}") from err


def _pick(value: str | None, known: tuple[str, ...], what: str) -> list[str]:
    if value is None:
        return list(known)
    picked = [v for v in value.split(",") if v]
    unknown = [v for v in picked if v not in known]
    if unknown:
        raise BuildError(f"unknown {what} {', '.join(unknown)} (known: {', '.join(known)})")
    return picked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="llmbm_build.bench_decode",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("build_dir", type=Path, help="a meson build directory with llmbm and kernels-bench built")
    ap.add_argument("--shapes", help=f"comma list of {', '.join(s.name for s in SHAPES)} (default: all)")
    ap.add_argument("--types", help=f"comma list of {', '.join(TYPES)} (default: all)")
    ap.add_argument("-n", type=int, default=64, help="tokens to decode per model (default 64)")
    ap.add_argument("-T", dest="threads", type=int, default=1, help="threads (default 1: per-core figures)")
    ap.add_argument(
        "-p", dest="pp", type=int, default=128, help="prompt tokens for the pp figure (default 128; 0: none)"
    )
    ap.add_argument(
        "--history",
        type=Path,
        help="append this run's figures to this JSON-lines file and flag any more than 10%% below the "
        "median of its last 5 runs with the same settings (default BUILD_DIR/bench-history.jsonl)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="decode each model this many times and keep the fastest, as the read bandwidth is the "
        "best of kernels-bench's runs: both then measure what the machine can do, not its "
        "neighbours' load (default 3)",
    )
    ap.add_argument(
        "--models-dir", type=Path, help="where the models are cached (default BUILD_DIR/bench-models)"
    )
    ap.add_argument(
        "--png",
        type=Path,
        metavar="PATH",
        help="also write a bar chart of the %% of read bandwidth per shape and type (default: none; "
        "`meson test --benchmark decode` writes BUILD_DIR/decode.png)",
    )
    a = ap.parse_args(argv)
    build = a.build_dir.resolve()
    llmbm = build / "llmbm"
    kernels_bench = build / "kernels" / "x86_64" / "bench" / "kernels-bench"
    try:
        shapes = [s for s in SHAPES if s.name in _pick(a.shapes, tuple(s.name for s in SHAPES), "shape")]
        types = _pick(a.types, TYPES, "type")
        for exe in (llmbm, kernels_bench):
            if not exe.is_file():
                raise BuildError(f"{exe} is not built: run ninja -C {build}")
        models_dir = a.models_dir or build / "bench-models"
        bandwidth = read_bandwidth(kernels_bench)
        print(f"single-core read bandwidth: {bandwidth:.2f} GB/s", file=sys.stderr, flush=True)
        results: list[Result] = []
        # one model at a time: a partial run still reports, and writing the next model
        # (minutes of numpy) never overlaps a timed decode
        for shape, qtype in ((s, t) for s in shapes for t in types):
            path = ensure_model(models_dir, shape, qtype)
            runs = [bench_speeds(llmbm, path, a.n, a.pp, a.threads) for _ in range(max(1, a.repeat))]
            tps, pps = max(r[0] for r in runs), max(r[1] for r in runs)
            results.append(Result(shape.name, qtype, path.stat().st_size, bytes_per_token(path), tps, pps))
            print(f"{path.name}: {tps:.2f} tokens/s, prompt {pps:.2f} tokens/s", file=sys.stderr, flush=True)
        print(format_table(results, bandwidth, a.n, a.threads))
        history = a.history or build / "bench-history.jsonl"
        settings = {"threads": a.threads, "n": a.n, "pp": a.pp}
        figures = {f"{r.shape} {r.type} tg": r.tokens_per_s for r in results}
        figures.update({f"{r.shape} {r.type} pp": r.pp_tokens_per_s for r in results if r.pp_tokens_per_s})
        flagged = bench_history.regressions(bench_history.read(history), settings, figures)
        bench_history.append(history, settings, figures)
        for line in flagged:
            print(f"REGRESSION {line}")
        print(f"history: {history} ({len(flagged)} figure(s) flagged)")
        if a.png is not None:
            write_png(results, bandwidth, a.n, a.threads, a.png)
            print(f"wrote {a.png}")
    except BuildError as err:
        print(f"bench_decode: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
