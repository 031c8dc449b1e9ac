"""Runs the `llmbm` host CLI for the engine tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def llmbm_binary(build_dir: Path) -> Path:
    path = build_dir / "llmbm"
    if not path.is_file():
        pytest.fail(f"{path} not found: build the project first (ninja -C {build_dir})")
    return path


def run_llmbm(
    build_dir: Path, *args: str | Path | bytes, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Runs llmbm with raw-bytes output; fails the test on a non-zero exit when check is set."""
    cmd = [str(llmbm_binary(build_dir))] + [a if isinstance(a, bytes) else str(a) for a in args]
    proc = subprocess.run(cmd, capture_output=True, timeout=120)
    if check and proc.returncode != 0:
        pytest.fail(f"{cmd} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    return proc
