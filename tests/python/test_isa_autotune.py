"""`llmbm --isa auto` measures every kernel level the CPU runs on the model's weight types and
uses the fastest; `--isa LEVEL` still forces one; the tokens are the same at every level, and
the matrices' in-memory layouts follow the level in use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kernels_line import assert_fastest_chosen, parse_measured

from engine_cli import run_llmbm
from llmbm_build.default_model import default_model_path

PROMPT = "Once upon a time"
# stories260K with Q4_0 matrices (Q4_0x16 or Q4_0P by level) and with K-quants (Q4_Kx16 or
# Q4_K), and the default chat model (Q4_1 and a Q8_0 tied classifier).
MODELS = ["stories260K-q4_0-mix.gguf", "stories260K-q4_k_m-preset.gguf", "default"]


def model_path(testdata: Path, name: str) -> Path:
    return default_model_path() if name == "default" else testdata / name


def run(build_dir: Path, model: Path, *isa: str) -> tuple[str, str]:
    proc = run_llmbm(build_dir, *isa, "run", model, "-t", "0", "-n", "24", "-i", PROMPT)
    return proc.stdout.decode(), proc.stderr.decode()


@pytest.mark.parametrize("name", MODELS)
def test_auto_picks_the_fastest_it_printed(build_dir: Path, testdata: Path, name: str) -> None:
    _, err = run(build_dir, model_path(testdata, name), "--isa", "auto")
    choice = parse_measured(err)
    # every x86-64 CPU runs these two
    assert {"scalar", "sse2"} <= choice.timings.keys(), choice
    assert_fastest_chosen(choice)


@pytest.mark.parametrize("name", MODELS)
def test_forced_levels_win(build_dir: Path, testdata: Path, name: str) -> None:
    model = model_path(testdata, name)
    auto_text, err = run(build_dir, model)  # no --isa: auto
    choice = parse_measured(err)
    texts = {}
    for level in choice.timings:
        texts[level], err = run(build_dir, model, "--isa", level)
        assert f"Kernels: {level} (forced, not measured)" in err, err
        assert "faster than" not in err, err
    # auto computes exactly what forcing its choice computes
    assert texts[choice.chosen] == auto_text
    # Q4_0 (Q4_0P, Q4_0x16) and the K-quants give bit-identical dots at every level, so the
    # tokens cannot depend on the level. Not asserted for the default model: its Q4_1 and
    # Q8_0 dots are within 1e-6 of each other across levels, not bit-identical
    # (kernels/x86_64/README.md), and one greedy step of it is that close to a tie.
    if name != "default":
        assert all(text == auto_text for text in texts.values()), texts


def tensor_types(build_dir: Path, model: Path, level: str) -> dict[str, str]:
    out = run_llmbm(build_dir, "--isa", level, "info", model).stdout.decode()
    # "  w1 (gate)        q4_0p    172 x 64 (x5 layers)"
    rows = re.findall(r"^  (\w+)(?: \(\w+\))? +(\w+) +\d+ x \d+", out.split("tensors:\n", 1)[1], re.M)
    return {name: kind for name, kind in rows if name in ("wq", "wk", "w1", "token_embedding")}


def test_layouts_follow_the_level(build_dir: Path, testdata: Path) -> None:
    model = testdata / "stories260K-q4_0-mix.gguf"
    levels = parse_measured(run(build_dir, model)[1]).timings.keys()
    # sse2 has no Q4_0x16 kernel: every Q4_0 matrix is Q4_0P
    assert tensor_types(build_dir, model, "sse2") == {
        "token_embedding": "q4_0p", "wq": "q4_0p", "wk": "q4_0p", "w1": "q4_0p"
    }  # fmt: skip
    if "avx2" not in levels:
        pytest.skip("this CPU lacks AVX2: no level here interleaves Q4_0 rows")
    # avx2 interleaves the 64- and 32-row matrices; w1's 172 rows do not fill 16-row groups
    assert tensor_types(build_dir, model, "avx2") == {
        "token_embedding": "q4_0p", "wq": "q4_0x16", "wk": "q4_0x16", "w1": "q4_0p"
    }  # fmt: skip


def test_llama2c_fp32_is_measured_too(build_dir: Path, testdata: Path) -> None:
    # f32 mat-vecs are the same at every level, attention and the element-wise loops are not
    proc = run_llmbm(
        build_dir, "run", testdata / "stories260K.bin", "-z", testdata / "tok512.bin", "-t", "0", "-n", "8"
    )
    assert_fastest_chosen(parse_measured(proc.stderr.decode()))
