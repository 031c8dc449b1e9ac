"""Fixtures for the boot suite (helpers that build and boot images are in boot_helpers.py).

Each boot costs 5-10 s under TCG, so a test module boots once (module-scoped fixture) with
all its commands and the test functions check different parts of the transcript.

A missing QEMU, OVMF or mtools is a failure that says what to install, never a skip: CI
installs them, and a skipped boot suite would hide a broken setup."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testenv import _env_path, build_dir, llmbm, source_dir, testdata  # noqa: E402, F401  (pytest fixtures)


@pytest.fixture(scope="session")
def efi_binary(build_dir: Path) -> Path:  # noqa: F811  (the fixture, imported above)
    """The firmware meson built (LLMBM_EFI names it; else the usual places in the build dir)."""
    candidates = [
        _env_path("LLMBM_EFI"),
        build_dir / "llm-baremetal.efi",
    ]
    for path in candidates:
        if path and path.is_file():
            return path
    pytest.fail(f"llm-baremetal.efi not found in {build_dir}: build it with ninja -C {build_dir}")


@pytest.fixture(scope="session")
def boot_tools() -> None:
    """QEMU, OVMF and mtools must be present; say what to install otherwise."""
    missing = []
    if shutil.which("qemu-system-x86_64") is None:
        missing.append("qemu-system-x86_64 (apt-get install qemu-system-x86)")
    if shutil.which("mcopy") is None:
        missing.append("mtools (apt-get install mtools)")
    from llmbm_build import BuildError
    from llmbm_build.qemu import find_ovmf

    try:
        find_ovmf(os.environ.get("LLMBM_OVMF_CODE") or None, os.environ.get("LLMBM_OVMF_VARS") or None)
    except BuildError as err:
        missing.append(f"OVMF: {err}")
    if missing:
        pytest.fail("the boot suite needs: " + "; ".join(missing))
