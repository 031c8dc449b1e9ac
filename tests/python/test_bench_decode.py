"""llmbm_build.bench_decode without the benchmark: its table and PNG from hand-made Results,
bytes_per_token on small GGUF files, and main() against stand-in llmbm / kernels-bench scripts.

The PNG is decoded here (chunks, CRCs, IHDR, zlib, filter bytes) and measured in pixels: the
axis, the 100 % and 80 % lines and each bar are found by colour, and a bar's height must be its
percentage of the 100 % line's height."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from pathlib import Path

import gguf
import numpy as np
import pytest
from gguf import GGMLQuantizationType as QT

from llmbm_build import BuildError, bench_decode, bench_history, png_canvas
from llmbm_build.bench_decode import YARDSTICK, Result, bytes_per_token, format_table, type_color, write_png
from llmbm_build.gguf_models import write_gguf_model
from llmbm_build.models import Llama2cConfig

Pixel = tuple[int, int, int]

BANDWIDTH = 10.0  # GB/s
# (shape, type, bytes/token, tok/s) -> weight GB/s and % of BANDWIDTH:
# 500 MB x 10/s = 5 GB/s = 50 %; 1000 MB x 9/s = 9 GB/s = 90 %; 25 %; 300 MB x 25/s = 75 %
RESULTS = [
    Result("big", "q4_0", 550_000_000, 500_000_000, 10.0),
    Result("big", "q8_0", 1_050_000_000, 1_000_000_000, 9.0),
    Result("small", "q4_0", 250_000_000, 250_000_000, 10.0),
    Result("small", "q8_0", 300_000_000, 300_000_000, 25.0),
]
EXPECTED_PCT = {
    ("big", "q4_0"): 50.0,
    ("big", "q8_0"): 90.0,
    ("small", "q4_0"): 25.0,
    ("small", "q8_0"): 75.0,
}


# --- the table ---------------------------------------------------------------------------------


def table_rows(text: str) -> dict[tuple[str, str], list[str]]:
    lines = text.splitlines()
    assert lines[1].split()[0] == "model", text
    return {(f[0], f[1]): f for f in (line.split() for line in lines[2:])}


def test_table_percentages_are_bytes_per_token_times_rate_over_bandwidth() -> None:
    text = format_table(RESULTS, BANDWIDTH, 64, 1)
    assert "read bandwidth 10.00 GB/s" in text.splitlines()[0]
    rows = table_rows(text)
    assert set(rows) == set(EXPECTED_PCT)
    for r in RESULTS:
        f = rows[(r.shape, r.type)]
        # model type file-MB MB/token tok/s GB/s pct
        assert float(f[2]) == pytest.approx(r.file_bytes / 1e6)
        assert float(f[3]) == pytest.approx(r.bytes_per_token / 1e6)
        assert float(f[4]) == pytest.approx(r.tokens_per_s)
        assert float(f[5]) == pytest.approx(r.bytes_per_token * r.tokens_per_s / 1e9)
        assert f[6] == f"{EXPECTED_PCT[(r.shape, r.type)]:.1f}%"


def test_table_percentage_uses_bytes_per_token_not_file_size() -> None:
    # untied: the file holds a whole embedding that a token does not read
    r = Result("untied", "q8_0", 2_000_000_000, 800_000_000, 10.0)
    assert table_rows(format_table([r], 16.0, 64, 1))[("untied", "q8_0")][6] == "50.0%"


def test_table_without_a_bandwidth_shows_zero_percent() -> None:
    assert table_rows(format_table(RESULTS[:1], 0.0, 64, 1))[("big", "q4_0")][6] == "0.0%"


# --- the PNG -----------------------------------------------------------------------------------


class Image:
    def __init__(self, data: bytes) -> None:
        assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
        pos, chunks = 8, []
        while pos < len(data):
            (length,) = struct.unpack(">I", data[pos : pos + 4])
            kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
            (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
            assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, f"bad CRC in {kind!r}"
            chunks.append((kind, body))
            pos += 12 + length
        kinds = [k for k, _ in chunks]
        assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds, kinds
        self.width, self.height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
        assert (depth, color_type, interlace) == (8, 2, 0), "expected 8-bit RGB, not interlaced"
        raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
        stride = 1 + 3 * self.width
        assert len(raw) == self.height * stride, "IDAT size does not match IHDR"
        assert all(raw[y * stride] == 0 for y in range(self.height)), "only filter type 0 expected"
        self.rows = [raw[y * stride + 1 : (y + 1) * stride] for y in range(self.height)]

    def pixel(self, x: int, y: int) -> Pixel:
        r, g, b = self.rows[y][3 * x : 3 * x + 3]
        return (r, g, b)

    def count(self, y: int, color: Pixel) -> int:
        return sum(1 for x in range(self.width) if self.pixel(x, y) == color)

    def runs(self, y: int, colors: set[Pixel]) -> list[tuple[Pixel, int, int]]:
        """(colour, first x, last x) of each horizontal run of one of `colors` on row y."""
        out: list[tuple[Pixel, int, int]] = []
        for x in range(self.width):
            c = self.pixel(x, y)
            if c not in colors:
                continue
            if out and out[-1][0] == c and out[-1][2] == x - 1:
                out[-1] = (c, out[-1][1], x)
            else:
                out.append((c, x, x))
        return out


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Image:
    out = tmp_path_factory.mktemp("bench_decode") / "decode.png"
    write_png(RESULTS, BANDWIDTH, 64, 1, out)
    return Image(out.read_bytes())


def axis_row(img: Image) -> int:
    """The base line: the row with the most black pixels (text never spans the plot)."""
    counts = [img.count(y, (0, 0, 0)) for y in range(img.height)]
    y = max(range(img.height), key=counts.__getitem__)
    assert counts[y] > img.width // 2, counts[y]
    return y


def yardstick_rows(img: Image) -> tuple[int, int]:
    """(100 % row, 80 % row): the rows at least a third red (the legend's samples are short)."""
    rows = [y for y in range(img.height) if img.count(y, YARDSTICK) > img.width // 3]
    assert len(rows) == 2, rows
    return rows[0], rows[1]


def test_png_size_and_lines(chart: Image) -> None:
    assert (chart.width, chart.height) == (1400, 760)
    base = axis_row(chart)
    y100, y80 = yardstick_rows(chart)
    assert y100 < y80 < base
    assert abs((base - y80) - 0.8 * (base - y100)) <= 1


def test_png_bars_have_type_colours_and_heights_in_percent(chart: Image) -> None:
    base = axis_row(chart)
    y100, _ = yardstick_rows(chart)
    q4, q8 = type_color(0), type_color(1)
    assert q4 != q8
    # just above the base line: one run per bar, grouped by shape, types in order
    runs = chart.runs(base - 1, {q4, q8})
    assert [c for c, _, _ in runs] == [q4, q8, q4, q8], runs
    assert all(x1 - x0 > 50 for _, x0, x1 in runs), runs
    keys = [("big", "q4_0"), ("big", "q8_0"), ("small", "q4_0"), ("small", "q8_0")]
    for key, (color, x0, x1) in zip(keys, runs, strict=True):
        cx = (x0 + x1) // 2
        top = min(y for y in range(base) if chart.pixel(cx, y) == color)
        expected = EXPECTED_PCT[key] / 100 * (base - y100)
        assert abs((base - top) - expected) <= 1, (key, base - top, expected)
    # the big group is left of the small one, with space between
    assert runs[1][2] < runs[2][1] - 20


def test_png_text_uses_only_drawable_glyphs(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    real_text = png_canvas.Canvas.text

    def recording_text(
        self: png_canvas.Canvas, x: int, y: int, text: str, color: Pixel = (0, 0, 0), scale: int = 1
    ) -> None:
        drawn.append(text)
        real_text(self, x, y, text, color, scale)

    monkeypatch.setattr(png_canvas.Canvas, "text", recording_text)
    results = [
        Result(s.name, t, 10**9, 6 * 10**8, 12.34) for s in bench_decode.SHAPES for t in bench_decode.TYPES
    ]
    bench_decode.draw_chart(results, 12.5, 64, 4)
    assert any("12.50 GB/s" in t for t in drawn), drawn
    assert any("4 threads" in t for t in drawn), drawn
    assert any("tok/s" in t for t in drawn) and "q6_K" in drawn and "tinyllama-1.1b" in drawn
    missing = {ch for t in drawn for ch in t} - set(png_canvas._GLYPHS)
    assert not missing, f"no glyph for {sorted(missing)}: they would draw as boxes"


def test_png_of_no_results_and_of_a_missing_pair(tmp_path: Path) -> None:
    write_png([], BANDWIDTH, 64, 1, tmp_path / "empty.png")
    assert Image((tmp_path / "empty.png").read_bytes()).width == 1400
    write_png(RESULTS[:3], BANDWIDTH, 64, 1, tmp_path / "partial.png")
    img = Image((tmp_path / "partial.png").read_bytes())
    assert [c for c, _, _ in img.runs(axis_row(img) - 1, {type_color(0), type_color(1)})] == [
        type_color(0),
        type_color(1),
        type_color(0),
    ]


# --- bytes per token ---------------------------------------------------------------------------

DIM, VOCAB = 64, 96  # a non-square embedding, so rows and columns cannot be confused
Q8_ROW = DIM // 32 * 34  # Q8_0: 32 weights in 34 bytes
Q8_EMBD = VOCAB * Q8_ROW
F32_Q = DIM * DIM * 4
F32_NORM = DIM * 4


def write_small(path: Path, untied: bool) -> None:
    rng = np.random.default_rng(0)
    w = gguf.GGUFWriter(str(path), "llama")
    embd = rng.standard_normal((VOCAB, DIM)).astype(np.float32)
    w.add_tensor("token_embd.weight", gguf.quants.quantize(embd, QT.Q8_0), raw_dtype=QT.Q8_0)
    w.add_tensor("blk.0.attn_q.weight", rng.standard_normal((DIM, DIM)).astype(np.float32))
    w.add_tensor("output_norm.weight", np.ones(DIM, np.float32))
    if untied:
        w.add_tensor("output.weight", gguf.quants.quantize(embd, QT.Q8_0), raw_dtype=QT.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def test_bytes_per_token_tied_reads_every_tensor(tmp_path: Path) -> None:
    write_small(tmp_path / "tied.gguf", untied=False)
    assert bytes_per_token(tmp_path / "tied.gguf") == Q8_EMBD + F32_Q + F32_NORM


def test_bytes_per_token_untied_reads_one_embedding_row(tmp_path: Path) -> None:
    write_small(tmp_path / "untied.gguf", untied=True)
    # the classifier whole, the embedding one row
    assert bytes_per_token(tmp_path / "untied.gguf") == Q8_EMBD + F32_Q + F32_NORM + Q8_ROW


def test_bytes_per_token_untied_k_quant_model(tmp_path: Path) -> None:
    config = Llama2cConfig(dim=256, hidden_dim=512, n_layers=1, n_heads=4, n_kv_heads=2, vocab_size=64)
    tied = tmp_path / "tied.gguf"
    untied = tmp_path / "untied.gguf"
    write_gguf_model(tied, config, qtype=QT.Q4_K)
    write_gguf_model(untied, replace(config, shared_classifier=False), qtype=QT.Q4_K)
    q4k_row = 144  # one 256-weight Q4_K super-block
    classifier = 64 * q4k_row
    # same tensors plus output.weight, minus all but one row of token_embd
    assert bytes_per_token(untied) == bytes_per_token(tied) + classifier - (64 - 1) * q4k_row


# --- main() with stand-ins for the programs ----------------------------------------------------


def script(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


def test_main_prints_the_table_and_writes_the_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build = tmp_path / "build"
    fake_bench(build, tg=20.0, pp=150.0)
    models = tmp_path / "models"
    models.mkdir()
    write_small(models / "tinyllama-1.1b-q8_0.gguf", untied=True)  # present, so not generated
    out = tmp_path / "decode.png"
    argv = [str(build), "--shapes", "tinyllama-1.1b", "--types", "q8_0", "--models-dir", str(models)]
    assert bench_decode.main([*argv, "--png", str(out)]) == 0
    row = table_rows(capsys.readouterr().out.split("wrote")[0])[("tinyllama-1.1b", "q8_0")]
    per_token = Q8_EMBD + F32_Q + F32_NORM + Q8_ROW
    pct = 100 * per_token * 20 / 1e9 / 0.001  # a tiny model on a slow (made-up) core: ~47 %
    assert row[6] == f"{pct:.1f}%" and row[7] == "150.0"
    img = Image(out.read_bytes())
    base, (y100, _) = axis_row(img), yardstick_rows(img)
    ((_, x0, x1),) = img.runs(base - 1, {type_color(0)})
    top = min(y for y in range(base) if img.pixel((x0 + x1) // 2, y) == type_color(0))
    assert abs((base - top) - pct / 100 * (base - y100)) <= 1


def fake_bench(build: Path, tg: float, pp: float) -> None:
    """Stand-ins for llmbm bench (its --json rows) and kernels-bench."""
    rows = [
        f'{{"threads": 1, "test": "pp128", "tokens": 128, "tokens_per_s": {pp:.3f}}}',
        f'{{"threads": 1, "test": "tg64", "tokens": 64, "tokens_per_s": {tg:.3f}}}',
    ]
    script(build / "llmbm", "\n".join(f"echo '{r}'" for r in rows))
    script(build / "kernels" / "x86_64" / "bench" / "kernels-bench", 'echo "# read_bandwidth_gbps,0.001"')


def test_main_keeps_a_history_and_flags_a_drop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build, models = tmp_path / "build", tmp_path / "models"
    models.mkdir()
    write_small(models / "tinyllama-1.1b-q8_0.gguf", untied=True)
    argv = [str(build), "--shapes", "tinyllama-1.1b", "--types", "q8_0", "--models-dir", str(models)]
    for tg, pp in ((20.0, 150.0), (21.0, 140.0), (19.5, 145.0)):
        fake_bench(build, tg, pp)
        assert bench_decode.main(argv) == 0
    assert "REGRESSION" not in capsys.readouterr().out
    fake_bench(build, tg=19.0, pp=100.0)  # tg within 10 % of the median 20.0, pp 31 % below 145
    assert bench_decode.main(argv) == 0
    out = capsys.readouterr().out
    flagged = [line for line in out.splitlines() if line.startswith("REGRESSION")]
    assert flagged == [
        "REGRESSION tinyllama-1.1b q8_0 pp: 100.00 is 31% below the median 145.00 of its last 3 run(s)"
    ]
    assert len((build / "bench-history.jsonl").read_text().splitlines()) == 4
    # another thread count is another series: nothing to compare with
    assert bench_decode.main([*argv, "-T", "2"]) == 0
    assert "REGRESSION" not in capsys.readouterr().out


def test_history_refuses_a_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text('{"figures": {"a": 1}}\nnot json\n')
    with pytest.raises(BuildError, match=r"h.jsonl:2: not a JSON line"):
        bench_history.read(path)


def test_main_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        bench_decode.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in (
        "build_dir",
        "--shapes",
        "--types",
        "-n",
        "-p",
        "-T",
        "--models-dir",
        "--png",
        "--history",
    ):
        assert option in text, option
    assert "decode.png" in text


def test_k_fallback_types_rows_a_k_quant_cannot_hold(tmp_path: Path) -> None:
    """Qwen2.5-0.5B-like rows of 896 are not K-quant rows: with k_fallback they are written in
    llama.cpp's fallback type, and rows of a multiple of 256 stay K-quants."""
    config = Llama2cConfig(
        dim=128, hidden_dim=256, n_layers=1, n_heads=2, n_kv_heads=2, vocab_size=32, seq_len=16
    )
    path = tmp_path / "fallback.gguf"
    write_gguf_model(path, config, qtype=QT.Q4_K, k_fallback=True)
    types = {t.name: t.tensor_type for t in gguf.GGUFReader(path).tensors}
    assert types["blk.0.attn_q.weight"] == QT.Q5_0  # 128 columns
    assert types["blk.0.ffn_down.weight"] == QT.Q4_K  # 256 columns
    assert types["token_embd.weight"] == QT.Q5_0
    with pytest.raises(ValueError):  # without it, such a K-quant cannot be written
        write_gguf_model(tmp_path / "strict.gguf", config, qtype=QT.Q4_K)
