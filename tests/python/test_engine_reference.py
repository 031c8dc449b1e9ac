"""The C engine against llama2.c's own outputs (reference-outputs.md §1-§4): exact text.

The expected text is parsed out of ../shared/testdata/reference-outputs.md at test time: it is
the text between the two `---` lines of each section, and run.c ends its output with a newline.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from engine_cli import run_llmbm


def reference_section(testdata: Path, number: int) -> tuple[str, str]:
    """(command line, expected text) of section `number`."""
    md = (testdata / "reference-outputs.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {number}\. .*?^cmd: (.*?)\n---\n(.*?)\n---\n", md, re.S | re.M)
    if not match:
        pytest.fail(f"section {number} not found in reference-outputs.md")
    return match.group(1), match.group(2)


def reference_ids(testdata: Path) -> list[int]:
    md = (testdata / "reference-outputs.md").read_text(encoding="utf-8")
    match = re.search(r"^token ids fed/sampled after BOS.*?:\n(.*?)\n", md, re.M)
    if not match:
        pytest.fail("token id list of section 3 not found in reference-outputs.md")
    return [int(t) for t in match.group(1).split()]


def cli_args(cmd: str, testdata: Path) -> list[str]:
    """Turns the `run MODEL ...` command of the .md into llmbm arguments with full paths."""
    words = shlex.split(cmd)
    assert words[0] in ("run", "runq"), cmd
    args = ["run"]
    for w in words[1:]:
        args.append(str(testdata / w) if w.endswith(".bin") else w)
    return args


@pytest.mark.parametrize("section", [1, 2, 3, 4])
def test_reference_text(build_dir: Path, testdata: Path, section: int) -> None:
    cmd, expected = reference_section(testdata, section)
    out = run_llmbm(build_dir, *cli_args(cmd, testdata)).stdout.decode("utf-8")
    assert out == expected + "\n"


def test_threads_do_not_change_output(build_dir: Path, testdata: Path) -> None:
    cmd, expected = reference_section(testdata, 2)
    out = run_llmbm(build_dir, *cli_args(cmd, testdata), "-T", "2").stdout.decode("utf-8")
    assert out == expected + "\n"


def test_section3_token_ids(build_dir: Path, testdata: Path) -> None:
    cmd, _ = reference_section(testdata, 3)
    out = run_llmbm(build_dir, *cli_args(cmd, testdata), "--print-ids").stdout.decode()
    assert [int(t) for t in out.split()] == reference_ids(testdata)


def test_section3_prompt_tokens(build_dir: Path, testdata: Path) -> None:
    out = run_llmbm(
        build_dir, "tokenize", testdata / "stories260K.bin", "-z", testdata / "tok512.bin", "Once upon a time"
    ).stdout.decode()
    assert [int(t) for t in out.split()] == reference_ids(testdata)[:4]


def test_stats_line_on_stderr(build_dir: Path, testdata: Path) -> None:
    proc = run_llmbm(
        build_dir, "run", testdata / "stories260K.bin", "-z", testdata / "tok512.bin", "-t", "0", "-n", "20"
    )
    stats = proc.stderr.decode()
    assert re.search(r"prompt tokens: 1, generated tokens: 20, [0-9.]+ tokens/s", stats), stats


def test_info(build_dir: Path, testdata: Path) -> None:
    out = run_llmbm(build_dir, "info", testdata / "stories260K_q80.bin").stdout.decode()
    for line in (
        "format: llama2.c ak42 v2 (Q8_0)",
        "dim: 64",
        "hidden_dim: 172",
        "n_kv_heads: 4",
        "group_size: 4",
    ):
        assert line in out
    assert "ak42_q8" in out and "memory needed:" in out


def test_bench(build_dir: Path, testdata: Path) -> None:
    out = run_llmbm(
        build_dir, "bench", testdata / "stories260K.bin", "-p", "16,40", "-n", "32"
    ).stdout.decode()
    for test in ("pp16", "pp40", "tg32"):
        assert re.search(
            rf"^\|\s+\d+ \|\s+{test}\s+\|\s+[0-9.]+ \|\s+[0-9.]+ \|\s+[0-9.]+% \|$", out, re.M
        ), out
    rows = [
        json.loads(line)
        for line in run_llmbm(
            build_dir, "bench", testdata / "stories260K.bin", "-p", "8", "-n", "4", "--json"
        )
        .stdout.decode()
        .splitlines()
    ]
    assert [r["test"] for r in rows] == ["pp8", "tg4"], rows
    assert all(r["tokens_per_s"] > 0 and r["read_gbps"] > 0 for r in rows), rows


@pytest.mark.parametrize("isa", ["scalar", "sse2", "avx2", "avx512"])
def test_reference_text_at_every_level(build_dir: Path, testdata: Path, isa: str) -> None:
    """F32 mat-vecs (plain and the 16-row interleaved layout), attention and the element-wise loops
    are exact at every kernel level, so each forced level prints run.c's text (section 2: temperature
    1.0, top-p 0.9 sampling, where one changed logit bit would show sooner or later; section 3: greedy
    with a prompt)."""
    info = run_llmbm(build_dir, "info", testdata / "stories260K.bin", "--isa", isa, check=False)
    if info.returncode != 0:
        pytest.skip(f"this CPU does not run the {isa} level: {info.stderr.decode().strip()}")
    assert "f32x16" in info.stdout.decode() or isa == "scalar"
    for section in (2, 3):
        cmd, expected = reference_section(testdata, section)
        out = run_llmbm(build_dir, *cli_args(cmd, testdata), "--isa", isa).stdout.decode("utf-8")
        assert out == expected + "\n", f"{isa}, section {section}"
