"""Bar plot of kernels-bench: GB/s of weights each mat-vec kernel streams, per
weight type and ISA level, against the single-core read bandwidth measured in
the same run.

    python3 -m llmbm_build.bench_plot --bench BUILD/kernels/x86_64/bench/kernels-bench \
        [--out kernels-bench.png] [--csv-out results.csv] [-- kernels-bench options]
    python3 -m llmbm_build.bench_plot --csv results.csv [--out kernels-bench.png]

With --bench it runs the program with --csv (plus any options after `--`),
echoes the results, and writes the plot; with --csv it plots recorded output.
The PNG is drawn by llmbm_build.png_canvas, so no plotting package is needed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from llmbm_build import BuildError
from llmbm_build.png_canvas import Canvas, Color

# One colour per ISA level, in the dispatch order (later levels darker).
PALETTE: tuple[Color, ...] = (
    (170, 170, 170),
    (102, 194, 165),
    (252, 141, 98),
    (141, 160, 203),
    (231, 138, 195),
    (166, 216, 84),
    (255, 217, 47),
)


@dataclass(frozen=True)
class Row:
    type: str
    level: str
    gbps: float | None  # None: the level falls back to a lower one's kernel
    pct: float | None
    ms_per_token: float | None
    falls_back_to: str
    read_gbps: float | None  # the read bandwidth measured alongside


@dataclass(frozen=True)
class Results:
    read_bandwidth: float
    best_level: str
    rows: tuple[Row, ...]


def parse(text: str, source: str) -> Results:
    """kernels-bench --csv output: '# key,value' lines, a header, data rows."""
    meta: dict[str, str] = {}
    rows: list[Row] = []
    header: list[str] | None = None
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, _, value = line[1:].strip().partition(",")
            meta[key] = value
            continue
        fields = line.split(",")
        if header is None:
            header = fields
            continue
        if len(fields) != len(header):
            raise BuildError(f"{source}:{n}: expected {len(header)} fields, got {len(fields)}")
        rec = dict(zip(header, fields, strict=True))
        try:
            rows.append(
                Row(
                    type=rec["type"],
                    level=rec["level"],
                    gbps=float(rec["gbps"]) if rec["gbps"] else None,
                    pct=float(rec["pct_bw"]) if rec["pct_bw"] else None,
                    ms_per_token=float(rec["ms_per_token_1b"]) if rec["ms_per_token_1b"] else None,
                    falls_back_to=rec["falls_back_to"],
                    read_gbps=float(rec["read_gbps"]) if rec.get("read_gbps") else None,
                )
            )
        except (KeyError, ValueError) as err:
            raise BuildError(f"{source}:{n}: bad row {line!r}: {err}") from err
    if "read_bandwidth_gbps" not in meta:
        raise BuildError(f"{source}: no '# read_bandwidth_gbps' line: not kernels-bench --csv output?")
    try:
        bandwidth = float(meta["read_bandwidth_gbps"])
    except ValueError as err:
        raise BuildError(f"{source}: bad read bandwidth {meta['read_bandwidth_gbps']!r}") from err
    return Results(bandwidth, meta.get("best_level", "?"), tuple(rows))


def nice_step(top: float) -> float:
    """A round grid spacing giving at most 8 lines from 0 to `top`."""
    for step in (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100):
        if top / step <= 8:
            return float(step)
    return 200.0


@dataclass(frozen=True)
class PlotArea:
    """The pixel box a bar chart's values are drawn in; `vmax` is the value of its top edge."""

    left: int
    top: int
    width: int
    height: int
    vmax: float

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def y_of(self, v: float) -> int:
        return self.bottom - round(v / self.vmax * self.height)


def draw_value_grid(canvas: Canvas, area: PlotArea, step: float, scale: int, suffix: str = "") -> None:
    """Light horizontal lines every `step` from 0 to vmax, labelled left of the area."""
    tick = 0.0
    while tick <= area.vmax:
        y = area.y_of(tick)
        canvas.hline(area.left, area.right, y, (225, 225, 225))
        label = f"{tick:g}{suffix}"
        canvas.text(area.left - 10 - canvas.text_width(label, scale), y - 7, label, scale=scale)
        tick += step


def draw_axis_lines(canvas: Canvas, area: PlotArea) -> None:
    """The value axis on the left and the base line at 0."""
    canvas.rect(area.left, area.top, area.left + 1, area.bottom, (0, 0, 0))
    canvas.rect(area.left, area.bottom, area.right, area.bottom + 1, (0, 0, 0))


def plot(results: Results, out: Path) -> None:
    types = list(dict.fromkeys(r.type for r in results.rows))
    levels = list(dict.fromkeys(r.level for r in results.rows))
    value = {(r.type, r.level): r.gbps for r in results.rows if r.gbps is not None}
    top = max([results.read_bandwidth, *value.values()], default=1.0) * 1.1

    scale = 2
    width, height = 1400, 700
    left, right, top_px, bottom = 110, 30, 80, 110
    canvas = Canvas(width, height)
    plot_w, plot_h = width - left - right, height - top_px - bottom
    area = PlotArea(left, top_px, plot_w, plot_h, top)
    y_of = area.y_of

    canvas.text(left, 20, "mat-vec weight streaming, single core (GB/s)", scale=scale + 1)
    draw_value_grid(canvas, area, nice_step(top), scale)
    group_w = plot_w / max(1, len(types))
    bar_w = max(2, int(group_w * 0.8 / max(1, len(levels))))
    for ti, t in enumerate(types):
        x0 = left + int(ti * group_w + group_w * 0.1)
        for li, level in enumerate(levels):
            v = value.get((t, level))
            if v is not None:
                color = PALETTE[li % len(PALETTE)]
                canvas.rect(x0 + li * bar_w, y_of(v), x0 + (li + 1) * bar_w - 1, y_of(0), color)
        label_x = left + int(ti * group_w + (group_w - canvas.text_width(t, scale)) / 2)
        canvas.text(label_x, top_px + plot_h + 10, t, scale=scale)
    draw_axis_lines(canvas, area)

    # the yardsticks: read bandwidth (dashed) and the 80 % target (dotted)
    bw = results.read_bandwidth
    canvas.hline(left, left + plot_w, y_of(bw), (200, 0, 0), dash=12)
    canvas.hline(left, left + plot_w, y_of(0.8 * bw), (200, 0, 0), dash=3)
    note = f"read bandwidth {bw:.1f} GB/s (dashed), 80% (dotted)"
    canvas.text(left + plot_w - canvas.text_width(note, scale), y_of(bw) - 20, note, (200, 0, 0), scale)

    x = left
    y = height - 40
    for li, level in enumerate(levels):
        canvas.rect(x, y, x + 20, y + 14, PALETTE[li % len(PALETTE)])
        canvas.text(x + 26, y, level, scale=scale)
        x += 26 + canvas.text_width(level, scale) + 30
    canvas.save(out)


def table(results: Results) -> str:
    lines = [
        f"single-core read bandwidth: {results.read_bandwidth:.2f} GB/s; best level {results.best_level}",
        f"{'type':<6} {'level':<11} {'GB/s':>8} {'% bw':>7} {'ms/tok(1B)':>11} {'bw GB/s':>8}",
    ]
    for r in results.rows:
        if r.gbps is None:
            lines.append(f"{r.type:<6} {r.level:<11} {'-':>8} {'-':>7} {'-':>11}  (uses {r.falls_back_to})")
        else:
            lines.append(
                f"{r.type:<6} {r.level:<11} {r.gbps:>8.2f} {r.pct or 0:>6.1f}% {r.ms_per_token or 0:>11.1f}"
                f" {r.read_gbps or 0:>8.2f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    passthrough: list[str] = []
    if "--" in args_in:
        cut = args_in.index("--")
        args_in, passthrough = args_in[:cut], args_in[cut + 1 :]
    parser = argparse.ArgumentParser(prog="llmbm_build.bench_plot", description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--bench", type=Path, help="the kernels-bench executable to run")
    source.add_argument("--csv", type=Path, help="recorded `kernels-bench --csv` output")
    parser.add_argument("--out", type=Path, default=Path("kernels-bench.png"))
    parser.add_argument("--csv-out", type=Path, help="also save the CSV (with --bench)")
    args = parser.parse_args(args_in)
    try:
        if args.bench is not None:
            proc = subprocess.run(
                [str(args.bench), "--csv", *passthrough], capture_output=True, text=True, check=False
            )
            if proc.returncode != 0:
                raise BuildError(f"{args.bench} failed ({proc.returncode}): {proc.stderr.strip()}")
            text, name = proc.stdout, str(args.bench)
            if args.csv_out is not None:
                args.csv_out.write_text(text, encoding="utf-8")
        else:
            try:
                text, name = args.csv.read_text(encoding="utf-8"), str(args.csv)
            except OSError as err:
                raise BuildError(f"{args.csv}: {err}") from err
        results = parse(text, name)
        print(table(results))
        plot(results, args.out)
    except BuildError as err:
        print(f"bench_plot: {err}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
