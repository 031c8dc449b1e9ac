"""Real GGUF models (stories260K in every quantization of ../shared/testdata) through `llmbm run`.

Mapping to reference-outputs.md §6 (llama.cpp `llama-simple -n 100 PROMPT`): llama-simple's
`-n 100` counts GENERATED tokens and its output is the BOS piece `<s>`, then every prompt and
generated piece. `llmbm run -n STEPS` counts positions, prompt included, and the prompt
(BOS + 4 tokens for 'Once upon a time') occupies positions 0..4; the first token is sampled at
position 4. So 100 generated tokens need STEPS = (prompt tokens without BOS) + 100 = 104 (the
stats line's "generated tokens: 100" checks that). llmbm prints no BOS piece and drops the
leading space after BOS, so we compare with the reference text after its '<s> ' prefix.
Trailing whitespace is ignored (llama-simple ends with newlines of its own).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine_cli import run_llmbm

PROMPT = "Once upon a time"
GENERATED = 100


def reference_section6(testdata: Path) -> dict[str, str]:
    """Maps file name -> expected text from §6 of reference-outputs.md."""
    text = (testdata / "reference-outputs.md").read_text(encoding="utf-8")
    section = text.split("## 6.", 1)[1].split("\n## ", 1)[0]
    out: dict[str, str] = {}
    for m in re.finditer(r"### (\S+)\n---\n(.*?)\n---", section, re.S):
        out[m.group(1)] = m.group(2)
    return out


def generate(build_dir: Path, model: Path) -> tuple[str, str]:
    tokens = run_llmbm(build_dir, "tokenize", model, PROMPT).stdout.split()
    steps = len(tokens) + GENERATED
    proc = run_llmbm(build_dir, "run", model, "-t", "0", "-n", str(steps), "-i", PROMPT)
    return proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


@pytest.mark.parametrize("name", ["stories260K-f32.gguf", "stories260K-f16.gguf"])
def test_matches_llama_cpp(build_dir: Path, testdata: Path, name: str) -> None:
    expected = reference_section6(testdata)[name]
    assert expected.startswith("<s> ")
    out, err = generate(build_dir, testdata / name)
    assert f"generated tokens: {GENERATED}," in err
    assert out.rstrip() == expected[len("<s> ") :].rstrip()


def quantized_models(testdata: Path) -> list[Path]:
    return sorted(testdata.glob("stories260K-*-mix.gguf")) + sorted(
        testdata.glob("stories260K-*-preset.gguf")
    )


def test_quantized_models_exist(testdata: Path) -> None:
    assert len(quantized_models(testdata)) >= 7


def common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


@pytest.mark.parametrize(
    "name",
    [
        "stories260K-q4_0-mix.gguf",
        "stories260K-q4_1-mix.gguf",
        "stories260K-q5_0-mix.gguf",
        "stories260K-q5_1-mix.gguf",
        "stories260K-q8_0-mix.gguf",
        "stories260K-q4_k_m-preset.gguf",
        "stories260K-q6_k-preset.gguf",
    ],
)
def test_quantized_model_is_coherent(build_dir: Path, testdata: Path, name: str) -> None:
    """Quantization noise may change the story, but the model must still be the model: greedy
    text continues the prompt, agrees with the f32 output for its first sentence (about 60
    characters; a wrong kernel, RoPE or tokenizer diverges within a few tokens), and is made of
    real words from the f32 model's vocabulary of stories."""
    f32_out, _ = generate(build_dir, testdata / "stories260K-f32.gguf")
    out, err = generate(build_dir, testdata / name)
    assert "generated tokens: " in err
    assert out.startswith(PROMPT + ",")
    assert common_prefix(out, f32_out) >= 60, (name, out)
    words = re.findall(r"[A-Za-z]+", out)
    assert len(words) >= 40
    assert sum(w.lower() in {"she", "lily", "the", "a", "to", "was"} for w in words) >= 8


def test_run_without_prompt_stops_or_fills(build_dir: Path, testdata: Path) -> None:
    proc = run_llmbm(build_dir, "run", testdata / "stories260K-q8_0-mix.gguf", "-t", "0", "-n", "20")
    assert proc.stdout.strip()


def test_info_summary(build_dir: Path, testdata: Path) -> None:
    out = run_llmbm(build_dir, "info", testdata / "stories260K-q4_k_m-preset.gguf").stdout.decode()
    for needle in (
        "architecture: llama",
        "parameters: ",
        "context_length: 128",
        "quant mix:",
        "q5_0 x",
        "tokenizer: gguf llama (SentencePiece)",
        "chat template: none: the model carries no chat template",
        "kernels: ",
    ):
        assert needle in out, needle


@pytest.mark.parametrize("level", ["scalar", "auto"])
def test_isa_override(build_dir: Path, testdata: Path, level: str) -> None:
    model = testdata / "stories260K-q4_k_m-preset.gguf"
    out = run_llmbm(build_dir, "--isa", level, "info", model).stdout.decode()
    if level == "scalar":
        assert "kernels: scalar" in out
    text = run_llmbm(build_dir, "--isa", level, "run", model, "-t", "0", "-n", "30", "-i", PROMPT).stdout
    assert text.decode().startswith(PROMPT)


def test_isa_unknown(build_dir: Path, testdata: Path) -> None:
    proc = run_llmbm(build_dir, "--isa", "nope", "info", testdata / "stories260K-f32.gguf", check=False)
    assert proc.returncode == 2
    assert b"scalar" in proc.stderr
