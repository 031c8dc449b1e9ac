"""Broken GGUF models: the loader must exit 1 with one message naming the file and the tensor
(or key) that is wrong -- missing tensors, wrong shapes, types without kernels, unknown
architectures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType as QT

from engine_cli import run_llmbm
from llmbm_build.gguf_models import write_gguf_model
from llmbm_build.models import Llama2cConfig

CONFIG = Llama2cConfig(dim=64, hidden_dim=96, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=40, seq_len=16)


def expect_error(build_dir: Path, path: Path, *needles: str) -> None:
    for cmd in (("info", path), ("logits", path, "1", "2")):
        proc = run_llmbm(build_dir, *cmd, check=False)
        err = proc.stderr.decode(errors="replace")
        assert proc.returncode == 1, f"exit {proc.returncode}, stderr: {err}"
        assert str(path) in err, err
        for needle in needles:
            assert needle in err, err


def test_good_model_loads(build_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "good.gguf"
    write_gguf_model(path, CONFIG, "qwen2", QT.Q8_0)
    out = run_llmbm(build_dir, "info", path).stdout.decode()
    assert "architecture: qwen2" in out and "neox" in out


@pytest.mark.parametrize("name", ["blk.1.ffn_up.weight", "output_norm.weight", "blk.0.attn_q.bias"])
def test_missing_tensor(build_dir: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / "missing.gguf"
    write_gguf_model(path, CONFIG, "qwen2", QT.F32, omit=(name,))
    expect_error(build_dir, path, f"missing tensor {name}")


def test_wrong_shape(build_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "shape.gguf"
    bad = np.zeros((CONFIG.dim, CONFIG.dim), dtype=np.float32)  # attn_k must be [dim, kv_dim]
    write_gguf_model(path, CONFIG, "llama", QT.F32, overrides={"blk.0.attn_k.weight": (bad, None)})
    expect_error(build_dir, path, "blk.0.attn_k.weight", "has shape [64, 64", "expected [64, 32]")


def test_wrong_norm_shape(build_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "norm.gguf"
    bad = np.ones(CONFIG.dim + 1, dtype=np.float32)
    write_gguf_model(path, CONFIG, "llama", QT.F32, overrides={"blk.1.ffn_norm.weight": (bad, None)})
    expect_error(build_dir, path, "blk.1.ffn_norm.weight", "expected [64]")


def test_unsupported_type(build_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "iq.gguf"
    # IQ4_NL: 32-element blocks of 18 bytes, a valid GGUF type with no kernel here.
    raw = np.zeros((CONFIG.hidden_dim, CONFIG.dim // 32 * 18), dtype=np.uint8)
    write_gguf_model(path, CONFIG, "llama", QT.F32, overrides={"blk.1.ffn_gate.weight": (raw, QT.IQ4_NL)})
    expect_error(build_dir, path, "blk.1.ffn_gate.weight", "iq4_nl")


def test_k_quant_with_bad_row_length(build_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "q4k.gguf"
    # 96 columns is not a multiple of Q4_K's 256-element blocks: gguf-py will not write it, so
    # claim Q4_K for bytes of a valid size for the whole tensor but an impossible row.
    raw = np.zeros((1, 144), dtype=np.uint8)
    write_gguf_model(path, CONFIG, "llama", QT.F32, overrides={"blk.0.ffn_down.weight": (raw, QT.Q4_K)})
    expect_error(build_dir, path, "blk.0.ffn_down.weight")


def test_unknown_architecture(build_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "arch.gguf"
    write_gguf_model(path, CONFIG, "mamba", QT.F32)
    expect_error(build_dir, path, "architecture 'mamba' is not supported", "llama, qwen2")
