"""The engine session on real model files (tests/unit/engine/session_check.c does the work):

* a prompt fed in batches of 3, 7 and 32 gives, at every position, the very bits of feeding it one
  token at a time, on every kernel level this CPU has and for several weight types;
* a context shift (llmbm_session_drop) re-rotates the kept keys exactly where a fresh pass puts
  them: the first layer's cache (keys depend only on token and position there) matches a fresh
  feed of the kept tokens to rounding (plus one rounding to the cache's type for f16 and q8_0),
  its values bit for bit. Deeper layers differ by design (the
  kept tokens were computed with the dropped ones in view), so greedy continuations may part; the
  checker prints both for the record.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from llmbm_build.gguf_arch_models import SPECS, write_arch_model

# A ChatML conversation of three turns; its second and third messages are what a REPL wrap keeps.
CHAT = (
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is the capital of Japan?<|im_end|>\n"
    "<|im_start|>assistant\nThe capital of Japan is Tokyo.<|im_end|>\n"
    "<|im_start|>user\nWrite a short poem about the sea.<|im_end|>\n"
    "<|im_start|>assistant\n"
)
STORY_IDS = [(i * 37) % 500 + 3 for i in range(1, 41)]
STORY_MODELS = (
    "stories260K.bin",
    "stories260K-q4_k_m-preset.gguf",
    "stories260K-q8_0-mix.gguf",
    "stories260K-q4_1-mix.gguf",
    "stories260K-q4_0-mix.gguf",
    "stories260K-f16.gguf",
)


def _checker(build_dir: Path) -> Path:
    path = build_dir / "tests" / "unit" / "engine" / "session_check"
    assert path.is_file(), f"{path} not built"
    return path


def _run(cmd: list[str], isa: str | None = None, kv: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **({"LLMBM_CHECK_ISA": isa} if isa else {}),
        **({"LLMBM_CHECK_KV": kv} if kv else {}),
    }
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)


def _levels(build_dir: Path, model: Path) -> list[str]:
    """The kernel levels this CPU runs: the ones the load-time measurement timed."""
    out = _run([str(_checker(build_dir)), "batch", str(model), "1", "2"]).stdout
    m = re.search(r"Kernels: \w+.*?\((.*)\)", out)
    assert m, out
    levels = re.findall(r"\b(scalar|sse2|avx2|avx512|avx512vnni) [0-9.]+ ms", m.group(1))
    assert "scalar" in levels, out
    return levels


def _ids(llmbm: Path, model: Path, text: str) -> list[str]:
    res = subprocess.run(
        [str(llmbm), "tokenize", str(model), text], capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0, res.stderr
    return res.stdout.split()


@pytest.mark.parametrize("name", STORY_MODELS)
def test_batches_bit_identical_every_level(build_dir: Path, testdata: Path, name: str) -> None:
    model = testdata / name
    for level in _levels(build_dir, model):
        res = _run([str(_checker(build_dir)), "batch", str(model), *map(str, STORY_IDS)], level)
        assert res.returncode == 0 and "bit-identical" in res.stdout, f"{level}: {res.stdout}{res.stderr}"


def test_batches_bit_identical_smollm2(build_dir: Path, llmbm: Path, smollm2: Path) -> None:
    ids = _ids(llmbm, smollm2, CHAT)[:40]
    res = _run([str(_checker(build_dir)), "batch", str(smollm2), *ids])
    assert res.returncode == 0 and "all 40 positions bit-identical" in res.stdout, res.stdout + res.stderr


@pytest.mark.parametrize("kv", ["f32", "f16", "q8_0"])
@pytest.mark.parametrize("arch", sorted(SPECS))
def test_batches_bit_identical_every_arch(build_dir: Path, tmp_path: Path, arch: str, kv: str) -> None:
    """Every architecture's attention (GQA, head 256, sliding windows of 16 that 48 positions
    cross, soft-capped scores, NoPE layers) on each cache type: batches give batch 1's bits."""
    model = tmp_path / f"{arch}.gguf"
    write_arch_model(model, arch)
    ids = [str((i * 53) % 250 + 3) for i in range(48)]
    res = _run([str(_checker(build_dir)), "batch", str(model), *ids], kv=kv)
    assert res.returncode == 0 and "all 48 positions bit-identical" in res.stdout, res.stdout + res.stderr


def _turn_starts(ids: list[str], start_id: str) -> list[int]:
    return [i for i, t in enumerate(ids) if t == start_id]


@pytest.mark.parametrize("kv", ["f32", "f16", "q8_0"])
def test_shift_rotates_kept_keys_smollm2(build_dir: Path, llmbm: Path, smollm2: Path, kv: str) -> None:
    ids = _ids(llmbm, smollm2, CHAT)
    starts = _turn_starts(ids, ids[0])  # <|im_start|>
    assert len(starts) == 5, ids
    keep, drop = starts[1], starts[3] - starts[1]  # the first user turn and its answer go
    res = _run([str(_checker(build_dir)), "shift", str(smollm2), str(keep), str(drop), "16", *ids], kv=kv)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "keys differ by at most" in res.stdout and ": ok; values identical" in res.stdout, res.stdout


def test_shift_rotates_kept_keys_llama2c(build_dir: Path, testdata: Path) -> None:
    res = _run(
        [
            str(_checker(build_dir)),
            "shift",
            str(testdata / "stories260K.bin"),
            "5",
            "17",
            "8",
            *map(str, STORY_IDS),
        ]
    )
    assert res.returncode == 0 and ": ok; values identical" in res.stdout, res.stdout + res.stderr
