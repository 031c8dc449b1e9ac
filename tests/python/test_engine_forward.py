"""Logits of the C engine against a NumPy reference forward on random synthetic checkpoints:
all three llama2.c formats, grouped-query and plain attention, shared and separate classifiers.

Tolerance: |C - reference| <= TOL * max(1, max |reference|) at every position, with TOL 1e-5
for fp32 files (float32 accumulation vs float64; observed ~1e-6) and 1e-3 for Q8_0 files, where
a float32 rounding difference can move one activation by a quantization step.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from engine_cli import run_llmbm
from llama2c_reference import ReferenceModel
from llmbm_build.models import Llama2cConfig, quantized_copy, random_weights, write_checkpoint

TOKENS = [1, 17, 250, 3, 99, 400, 17, 5]

CASES = {
    "legacy-gqa-shared": (Llama2cConfig(n_heads=8, n_kv_heads=4), "legacy"),
    "legacy-mha-unshared": (Llama2cConfig(n_heads=4, n_kv_heads=4, shared_classifier=False), "legacy"),
    "v1-gqa-unshared": (Llama2cConfig(n_heads=8, n_kv_heads=2, shared_classifier=False), "v1"),
    "v1-mha-shared": (Llama2cConfig(dim=48, hidden_dim=128, n_heads=6, n_kv_heads=6), "v1"),
    "v2-gqa-shared": (Llama2cConfig(n_heads=8, n_kv_heads=4, hidden_dim=160), "v2"),
    "v2-mha-unshared": (
        Llama2cConfig(n_heads=4, n_kv_heads=4, hidden_dim=128, shared_classifier=False),
        "v2",
    ),
}


def c_logits(build_dir: Path, model: Path, tokens: list[int]) -> np.ndarray:
    out = run_llmbm(build_dir, "logits", model, *[str(t) for t in tokens]).stdout.decode()
    return np.array([[float(v) for v in line.split()] for line in out.splitlines()])


@pytest.mark.parametrize("case", sorted(CASES))
def test_logits_match_reference(build_dir: Path, tmp_path: Path, case: str) -> None:
    config, fmt = CASES[case]
    weights = random_weights(config, seed=zlib.crc32(case.encode()))
    path = tmp_path / f"{case}.bin"
    group_size = 32
    write_checkpoint(path, config, weights, fmt, group_size)
    if fmt == "v2":
        ref = ReferenceModel(config, quantized_copy(weights, group_size), group_size)
        tol = 1e-3
    else:
        ref = ReferenceModel(config, weights)
        tol = 1e-5
    got = c_logits(build_dir, path, TOKENS)
    want = ref.logits(TOKENS)
    assert got.shape == want.shape == (len(TOKENS), config.vocab_size)
    err = np.abs(got - want).max(axis=1) / np.maximum(1.0, np.abs(want).max(axis=1))
    assert (err <= tol).all(), f"relative error per position {err}"
    # Non-trivial logits: the test would be vacuous if everything were ~0.
    assert np.abs(want).max() > 0.5


def test_legacy_and_v1_agree_exactly(build_dir: Path, tmp_path: Path) -> None:
    """Same fp32 weights in two layouts: the engine must give bit-identical logits."""
    config = Llama2cConfig(shared_classifier=False)
    weights = random_weights(config, seed=7)
    write_checkpoint(tmp_path / "a.bin", config, weights, "legacy")
    write_checkpoint(tmp_path / "b.bin", config, weights, "v1")
    a = run_llmbm(build_dir, "logits", tmp_path / "a.bin", "1", "2", "3").stdout
    b = run_llmbm(build_dir, "logits", tmp_path / "b.bin", "1", "2", "3").stdout
    assert a == b
