"""Installs and runs llama.cpp (llama-cpp-python) as the reference for the architecture tests.

llama-cpp-python is not in requirements.txt (scripts/install-deps stays light): the tests that
need it install it into the running venv on first use. pip builds llama.cpp from source with
the flags below; the first run takes about 10 minutes on 2 cores, later ones reuse pip's wheel
cache. The flags leave out GGML_NATIVE, whose build picks an AMX path that segfaults on VMs
that advertise AMX (DESIGN.md). A failed install fails the test with pip's output: never a skip.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

LLAMA_CPP_PYTHON = "llama-cpp-python==0.3.36"
CMAKE_ARGS = (
    "-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON "
    "-DGGML_AVX512_VNNI=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_BF16=ON"
)
RUNNER = Path(__file__).with_name("llama_cpp_run.py")


def _installed_version() -> str | None:
    try:
        return importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        return None


def ensure_llama_cpp() -> None:
    """Makes `import llama_cpp` work in this interpreter, installing the pinned version if needed."""
    if _installed_version() == LLAMA_CPP_PYTHON.split("==")[1]:
        return
    cmd = [sys.executable, "-m", "pip", "install", "--no-binary", "llama-cpp-python", LLAMA_CPP_PYTHON]
    proc = subprocess.run(
        cmd, env={**os.environ, "CMAKE_ARGS": CMAKE_ARGS}, capture_output=True, text=True, timeout=3600
    )
    if proc.returncode != 0 or _installed_version() is None:
        pytest.fail(
            f"could not install {LLAMA_CPP_PYTHON} (needed as the reference for these tests): "
            f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )


def llama_cpp_greedy(
    model: Path, prompt: list[int], n_greedy: int, n_ctx: int, out_dir: Path
) -> tuple[npt.NDArray[np.float64], list[int]]:
    """llama.cpp's logits at every position of prompt + its n_greedy greedy continuation, and
    that token sequence."""
    out = out_dir / f"{model.stem}-llama-cpp.npz"
    cmd = [sys.executable, str(RUNNER), str(model), str(out), str(n_ctx), str(n_greedy), *map(str, prompt)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"llama.cpp failed on {model} (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    with np.load(out) as data:
        return data["logits"], [int(t) for t in data["tokens"]]
