"""Fixtures for the python suite: the shared ones from tests/testenv.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testenv import build_dir, llmbm, smollm2, source_dir, testdata  # noqa: E402, F401  (pytest fixtures)
