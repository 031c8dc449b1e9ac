"""Accuracy per weight type on trained weights: the engine's mean KL divergence from a float64
forward of a file's own dequantized weights (llmbm_build.reference_forward) must not exceed
llama.cpp's on the same file and tokens, measured here in the same test (llama-cpp-python,
installed on first use: llama_cpp_reference.py), by more than MARGIN of it.

Models: stories260K in every type it ships in (../shared/testdata) plus BF16 made from its F32
with llama.cpp's quantizer; for the K-quants, which need rows of a multiple of 256 columns that
stories260K (dim 64) does not have, the first two layers of SmolLM2-135M (truncated_model.py)
requantized with llama.cpp's quantizer, so that ffn_down is in the K-quant under test (the
576-wide matrices take llama.cpp's fallback). A few chunks of 64 tokens: seconds per type. The
full-size table over 2 048 tokens is `python -m llmbm_build.accuracy` (README, "Measuring
quality").

MARGIN: over ~100 scored positions the mean KL of either program moves by ~10% with the text
(its standard error), and the two programs round differently at different positions; 1.25x
leaves room for that and still fails a kernel that is clearly worse than llama.cpp's.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine_cli import run_llmbm
from llama_cpp_reference import ensure_llama_cpp
from llmbm_build.accuracy import FTYPES, TEXT, file_stats
from llmbm_build.kl_stats import KlStats, parse_report
from llmbm_build.reference_forward import text_chunks, write_reference
from truncated_model import write_truncated

MARGIN = 1.25
CTX = 64
STORIES = {
    "f16": "stories260K-f16.gguf",
    "q8_0": "stories260K-q8_0-mix.gguf",
    "q5_0": "stories260K-q5_0-mix.gguf",
    "q5_1": "stories260K-q5_1-mix.gguf",
    "q4_0": "stories260K-q4_0-mix.gguf",
    "q4_1": "stories260K-q4_1-mix.gguf",
    "q4_k_m-preset": "stories260K-q4_k_m-preset.gguf",
    "q6_k-preset": "stories260K-q6_k-preset.gguf",
}
STORY = (
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park "
    "with her big red ball. One day, she saw a small bird sitting on a branch. The bird was sad "
    "because it could not fly. Lily wanted to help the bird, so she gave it some water and a "
    "little bread. The next day the bird was happy and it sang a song for Lily. They became "
    "best friends and played together every day in the sun. Lily told her mom about the bird, "
    "and her mom smiled and said that being kind is the best thing you can do."
)
K_TYPES = ["q6_K", "q5_K", "q4_K", "q3_K", "q2_K"]


@pytest.fixture(scope="module")
def llama_cpp() -> None:
    ensure_llama_cpp()


def quantize(src: Path, out: Path, type_name: str) -> None:
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype, params.allow_requantize, params.pure = FTYPES[type_name], True, True
    assert llama_cpp.llama_model_quantize(str(src).encode(), str(out).encode(), ctypes.byref(params)) == 0


def measure(build_dir: Path, tmp_path: Path, model: Path, tokens: np.ndarray) -> tuple[KlStats, KlStats]:
    base = tmp_path / "base.lp"
    write_reference(model, base, tokens, CTX // 2)
    ours = parse_report(run_llmbm(build_dir, "perplexity", model, "--kl-base", base).stdout.decode())
    theirs_lp = tmp_path / "llama-cpp.lp"
    cmd = [sys.executable, "-m", "llmbm_build.llama_cpp_logprobs", str(model), str(base), str(theirs_lp)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"llama.cpp failed on {model} (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return ours, file_stats(theirs_lp, base)


def check(name: str, ours: KlStats, theirs: KlStats) -> None:
    print(
        f"{name}: mean KL ours {ours.mean_kld:.3e} ± {ours.mean_kld_err:.1e}, llama.cpp "
        f"{theirs.mean_kld:.3e} ± {theirs.mean_kld_err:.1e} over {ours.n} positions; "
        f"top-1 {ours.same_top:.1f}% / {theirs.same_top:.1f}%"
    )
    assert ours.n == theirs.n
    assert ours.mean_kld <= MARGIN * theirs.mean_kld + 1e-7, (name, ours, theirs)


@pytest.mark.parametrize("type_name", [*STORIES, "bf16"])
def test_stories260k(
    llama_cpp: None, build_dir: Path, testdata: Path, tmp_path: Path, type_name: str
) -> None:
    if type_name == "bf16":
        model = tmp_path / "stories260K-bf16.gguf"
        quantize(testdata / "stories260K-f32.gguf", model, "bf16")
    else:
        model = testdata / STORIES[type_name]
    text = tmp_path / "story.txt"
    text.write_text(STORY)
    tokens = text_chunks(build_dir / "llmbm", model, text, CTX, add_bos=True)
    tokens[:, 0] = 1  # stories260K's BOS, as llmbm perplexity starts every chunk
    check(f"stories260K {type_name}", *measure(build_dir, tmp_path, model, tokens))


@pytest.fixture(scope="module")
def smollm2_two_layers(smollm2: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("smollm2") / "smollm2-2-layers.gguf"
    write_truncated(smollm2, path, 2)
    return path


@pytest.mark.parametrize("type_name", K_TYPES)
def test_smollm2_k_quants(
    llama_cpp: None, build_dir: Path, smollm2_two_layers: Path, tmp_path: Path, type_name: str
) -> None:
    model = tmp_path / f"smollm2-2-layers-{type_name}.gguf"
    quantize(smollm2_two_layers, model, type_name)
    tokens = text_chunks(build_dir / "llmbm", smollm2_two_layers, TEXT, CTX, add_bos=False)[:3]
    check(f"SmolLM2 (2 layers) {type_name}", *measure(build_dir, tmp_path, model, tokens))
