"""Fixtures for the repl suite: the firmware's REPL run natively as `llmbm repl DIR` with
scripted input (repl_helpers.py). The transcript helpers are the boot suite's (tests/boot),
so a scenario reads the same whether QEMU or Linux ran it."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS / "boot"))

from testenv import _env_path, build_dir, llmbm, smollm2, source_dir, testdata  # noqa: E402, F401  (pytest fixtures)
