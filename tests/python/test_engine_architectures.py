"""Every GGUF architecture the engine reads, against llama.cpp on the same file.

llmbm_build.gguf_arch_models writes each family's metadata keys and tensors with random
weights (tiny dims, several layers, GQA; gemma's sliding window shrunk to 16 so that the 42
positions cross it). llama.cpp (llama-cpp-python, installed on first use:
see llama_cpp_reference.py) feeds a prompt and continues it greedily for 32 tokens; the
engine's `llmbm logits` over the same sequence must give, at every position, logits within
1e-4 of the largest (f32 weights) or 1e-2 (quantized copies, as test_engine_gguf_forward), and
the same greedy choice: the argmax at each position after the prompt is llama.cpp's next token,
so the two greedy continuations are identical.

What remains at f32 is float rounding, except for gemma: ggml computes GELU through a table of
fp16 inputs and outputs (GGML_GELU_FP16), the engine in f32, which leaves up to ~1e-4 there.
The quantized copies differ where one activation lands on the other side of a Q8 rounding
boundary in llama.cpp's and the engine's quantizers (ggml: x * (127 / max), rounded half to
even; the engine's kernels: x * (1 / (max / 127)), rounded half away from zero): a flip moves
later logits by up to ~1e-2 of the largest, hence the quantized tolerance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine_cli import run_llmbm
from llama_cpp_reference import ensure_llama_cpp, llama_cpp_greedy
from llmbm_build.default_model import DefaultModelMissing, default_model_path
from llmbm_build.gguf_arch_models import SPECS, write_arch_model
from llmbm_build.gguf_models import WEIGHT_TYPES

PROMPT = [1, 17, 42, 5, 88, 3, 9, 100, 200, 7]
N_GREEDY = 32
N_CTX = 64
TOLERANCE = {"f32": 1e-4, "q8_0": 1e-2, "q4_K": 1e-2}


@pytest.fixture(scope="session")
def llama_cpp() -> None:
    ensure_llama_cpp()


def engine_logits(build_dir: Path, path: Path, tokens: list[int]) -> np.ndarray:
    # llama.cpp runs with an f32 KV cache here (llama_cpp_run.py), so ours is f32 too
    out = run_llmbm(build_dir, "--kv-type", "f32", "logits", path, *map(str, tokens)).stdout.decode()
    return np.array([[float(v) for v in line.split()] for line in out.splitlines()])


@pytest.mark.parametrize("type_name", list(TOLERANCE))
@pytest.mark.parametrize("name", list(SPECS))
def test_matches_llama_cpp(
    llama_cpp: None, build_dir: Path, tmp_path: Path, name: str, type_name: str
) -> None:
    path = tmp_path / f"{name}-{type_name}.gguf"
    write_arch_model(path, name, WEIGHT_TYPES[type_name], seed=7)
    want, tokens = llama_cpp_greedy(path, PROMPT, N_GREEDY, N_CTX, tmp_path)
    got = engine_logits(build_dir, path, tokens)
    assert got.shape == want.shape
    scale = np.abs(want).max()
    err = np.abs(got - want).max() / scale
    print(f"{name} {type_name}: max |engine - llama.cpp| = {err:.2e} of the largest logit ({scale:.3g})")
    assert err <= TOLERANCE[type_name], (name, type_name, err)
    if type_name == "f32":
        greedy = [int(np.argmax(row)) for row in got[len(PROMPT) - 1 : -1]]
        assert greedy == tokens[len(PROMPT) :]


def test_info_names_architecture_and_features(build_dir: Path, tmp_path: Path) -> None:
    expected = {
        "qwen3": "per-head Q/K RMSNorm",
        "smollm3": "no RoPE on every 4th layer",
        "granite": "multipliers: embedding 12",
        "llama3": "RoPE frequency factors",
        "gemma3": "sliding window 16 on 5 of every 6 layers (RoPE base 10000 there)",
        "gemma2": "soft-capping: attention 50, logits 30",
        "phi4mini": "partial rotary (48 of 64), LongRoPE: long factors above 32 positions of context",
    }
    for name, feature in expected.items():
        path = tmp_path / f"{name}.gguf"
        write_arch_model(path, name)
        out = run_llmbm(build_dir, "info", path).stdout.decode()
        assert f"architecture: {SPECS[name].arch}\n" in out
        assert feature in out, out


def test_unknown_architecture_is_refused_by_name(build_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "mamba.gguf"
    write_arch_model(path, "llama")
    data = path.read_bytes()
    # same length, so every offset stays valid
    path.write_bytes(
        data.replace(b"\x05\x00\x00\x00\x00\x00\x00\x00llama", b"\x05\x00\x00\x00\x00\x00\x00\x00mamba", 1)
    )
    proc = run_llmbm(build_dir, "info", path, check=False)
    msg = proc.stderr.decode()
    assert proc.returncode != 0
    assert "architecture 'mamba' is not supported" in msg, msg
    assert "supported: llama, qwen2, qwen3, smollm3, granite, gemma3, gemma2, phi3" in msg, msg


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def test_smollm2_matches_llama_cpp(llama_cpp: None, build_dir: Path, tmp_path: Path) -> None:
    """The llama family on trained weights: SmolLM2-135M-Instruct Q4_1 (the default model).

    Thirty layers of Q4_1 x Q8_1 products on real activations (with their outliers) put the
    two programs' rounding differences at every position, so the bound here is on the
    distributions: mean KL(llama.cpp || engine) over 48 positions (measured 0.002; each of them
    is about 0.005 from a float64 forward, SOURCES.md), and the 32 greedy tokens identical.
    """
    try:
        model = default_model_path()
    except DefaultModelMissing as exc:
        pytest.fail(str(exc))
    # "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    prompt = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
    want, tokens = llama_cpp_greedy(model, prompt, N_GREEDY, N_CTX, tmp_path)
    got = engine_logits(build_dir, model, tokens)
    lp, lq = _log_softmax(want), _log_softmax(got)
    kl = (np.exp(lp) * (lp - lq)).sum(axis=1)
    print(f"SmolLM2: mean KL {kl.mean():.4f}, max |dlogit| {np.abs(got - want).max():.3f}")
    assert kl.mean() <= 0.005, kl
    greedy = [int(np.argmax(row)) for row in got[len(prompt) - 1 : -1]]
    assert greedy == tokens[len(prompt) :]


@pytest.mark.parametrize(
    ("name", "omitted", "message"),
    [
        ("qwen3", "blk.1.attn_k_norm.weight", "missing tensor blk.1.attn_k_norm.weight"),
        ("gemma3", "blk.2.post_ffw_norm.weight", "missing tensor blk.2.post_ffw_norm.weight"),
        ("phi3", "blk.0.attn_qkv.weight", "missing tensor blk.0.attn_q.weight"),
        ("granite", "granite.logit_scale", "missing metadata key granite.logit_scale"),
    ],
)
def test_missing_piece_is_named(
    build_dir: Path, tmp_path: Path, name: str, omitted: str, message: str
) -> None:
    path = tmp_path / f"{name}.gguf"
    write_arch_model(path, name, omit=(omitted,))
    proc = run_llmbm(build_dir, "info", path, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr.decode(), proc.stderr.decode()
