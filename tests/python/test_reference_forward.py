"""The batched float64 reference (llmbm_build.reference_forward, the KL base of `llmbm
perplexity` and of the accuracy table), checked three ways:

* llama and qwen2 against the per-token reference the engine tests use
  (test_engine_gguf_forward.GgufReference, on llama2c_reference.ReferenceModel) on the same
  synthetic GGUF files: two independent writings of one forward pass, so they must agree to
  float64 rounding. F32 weights, where GgufReference quantizes no activations.
* every architecture the engine reads (llmbm_build.gguf_arch_models' synthetic files, f32
  weights) against the engine's `llmbm logits` and against llama.cpp over the same 42 tokens,
  within what f32 arithmetic leaves: a dot of K terms carries about sqrt(K) units of f32
  rounding (2^-24, relative), each layer adds two such results to the residual stream, and
  the norms and the softmax keep errors relative, so the bound is 2 * n_layers * sqrt(K) *
  2^-24 of the largest logit (K the longest dot). llama.cpp computes gemma's GELU through a
  table of fp16 inputs and outputs, which puts fp16's unit (2^-11) on each FFN output: the
  gemma bound against llama.cpp is 2^-11.
* each family's own pieces matter at these sizes: the reference with one of them turned off
  (no soft-capping, no window, no NoPE layers, no multipliers, ...) misses the engine by
  more than twice the bound, so the agreement above says the piece is computed, not absent.
* --q8-activations (the Q8_0 quantization alone, for the Q8_0 finding in README): both
  roundings give ggml's bytes, differ on a tie, and touch only matrices paired with Q8_0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType as QT

from engine_cli import run_llmbm
from llama_cpp_reference import ensure_llama_cpp, llama_cpp_greedy
from llmbm_build.gguf_arch_models import SPECS, ArchShape, write_arch_model
from llmbm_build.gguf_models import write_gguf_model
from llmbm_build.reference_forward import ReferenceForward
from test_engine_gguf_forward import CONFIG, TOKENS, GgufReference

PROMPT = [1, 17, 42, 5, 88, 3, 9, 100, 200, 7]
N_GREEDY = 32  # 42 positions: past gemma's shrunk window of 16 and phi4mini's LongRoPE switch at 32
F32_UNIT, F16_UNIT = 2.0**-24, 2.0**-11


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_matches_per_token_reference(tmp_path: Path, arch: str) -> None:
    path = tmp_path / f"{arch}.gguf"
    model = write_gguf_model(path, CONFIG, arch, QT.F32, seed=5)
    want = GgufReference(model, QT.F32).logits(TOKENS)
    got = ReferenceForward(path).logits(TOKENS)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-9 * np.abs(want).max()


def f32_bound(ref: ReferenceForward) -> float:
    c, shape = ref.config, ArchShape()
    longest = max(c.dim, c.n_heads * c.head_size, shape.hidden_dim)
    return 2 * c.n_layers * float(np.sqrt(longest)) * F32_UNIT


def arch_model(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.gguf"
    write_arch_model(path, name, seed=7)
    return path


def engine_logits(build_dir: Path, path: Path, tokens: list[int]) -> np.ndarray:
    out = run_llmbm(build_dir, "--kv-type", "f32", "logits", path, *map(str, tokens)).stdout.decode()
    return np.array([[float(v) for v in line.split()] for line in out.splitlines()])


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    assert got.shape == want.shape
    return float(np.abs(got - want).max() / np.abs(want).max())


TOKENS_42 = PROMPT + [int(t) for t in np.random.default_rng(3).integers(3, 256, N_GREEDY)]


@pytest.mark.parametrize("name", list(SPECS))
def test_engine_matches_float64(build_dir: Path, tmp_path: Path, name: str) -> None:
    path = arch_model(tmp_path, name)
    ref = ReferenceForward(path)
    err = relative_error(engine_logits(build_dir, path, TOKENS_42), ref.logits(TOKENS_42))
    print(f"{name}: max |engine - float64| = {err:.2e} of the largest logit (bound {f32_bound(ref):.1e})")
    assert err <= f32_bound(ref), (name, err)


@pytest.fixture(scope="session")
def llama_cpp() -> None:
    ensure_llama_cpp()


@pytest.mark.parametrize("name", list(SPECS))
def test_llama_cpp_matches_float64(llama_cpp: None, tmp_path: Path, name: str) -> None:
    path = arch_model(tmp_path, name)
    want, tokens = llama_cpp_greedy(path, PROMPT, N_GREEDY, 64, tmp_path)
    ref = ReferenceForward(path)
    bound = F16_UNIT if ref.config.gelu else f32_bound(ref)
    err = relative_error(want, ref.logits(tokens))
    print(f"{name}: max |llama.cpp - float64| = {err:.2e} of the largest logit (bound {bound:.1e})")
    assert err <= bound, (name, err)


# Each family's pieces, turned off one at a time: (attribute of the config, of the reference or
# of every layer; the value that turns it off)
PIECES: dict[str, list[tuple[str, object]]] = {
    "llama": [("neox", True)],
    "llama3": [("rope_freqs", None)],
    "qwen2": [("bq", None), ("bv", None)],
    "qwen3": [("q_norm", None), ("k_norm", None)],
    "smollm3": [("no_rope_every", 0)],
    "granite": [
        ("residual_scale", 1.0),
        ("logit_scale", 1.0),
        ("embedding_scale", 1.0),
        ("attention_scale", 0.0),
    ],
    "phi3": [("rope_freqs", None)],
    "phi4mini": [("rope_freqs_long", None), ("rope_attn_factor", 1.0)],
    "gemma3": [
        ("sliding_window", 0),
        ("rope_base_swa", 1e6),
        ("post_attn_norm", None),
        ("post_ffn_norm", None),
        ("gelu", False),
        ("embedding_scale", 1.0),
        ("q_norm", None),
    ],
    "gemma2": [("attn_softcap", 0.0), ("final_softcap", 0.0), ("sliding_window", 0), ("post_ffn_norm", None)],
}


@pytest.mark.parametrize("name", list(PIECES))
def test_each_piece_matters(build_dir: Path, tmp_path: Path, name: str) -> None:
    path = arch_model(tmp_path, name)
    got = engine_logits(build_dir, path, TOKENS_42)
    for attr, off in PIECES[name]:
        ref = ReferenceForward(path)
        if hasattr(ref.config, attr):
            setattr(ref.config, attr, off)
        elif hasattr(ref, attr):
            setattr(ref, attr, off)
        else:
            for layer in ref.layers:
                setattr(layer, attr, off)
        err = relative_error(got, ref.logits(TOKENS_42))
        print(f"{name} without {attr}: {err:.2e} of the largest logit")
        assert err > 2 * f32_bound(ref), (name, attr, err)


def test_other_architectures_are_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "mamba.gguf"
    write_arch_model(path, "llama")
    data = path.read_bytes()
    # same length, so every offset stays valid
    path.write_bytes(
        data.replace(b"\x05\x00\x00\x00\x00\x00\x00\x00llama", b"\x05\x00\x00\x00\x00\x00\x00\x00mamba", 1)
    )
    with pytest.raises(ValueError, match="architecture 'mamba' has no float64 reference"):
        ReferenceForward(path)


def test_q8_activations_match_ggml_quantizer(testdata: Path) -> None:
    """Both roundings give ggml's bytes on quant-vectors.gguf's activation (SOURCES.md: its SIMD
    and _ref quantizers agree there), and differ where x / d is exactly half way."""
    import gguf

    from llmbm_build.reference_act_quant import q8_0_dequantized

    tensors = {t.name: t for t in gguf.GGUFReader(str(testdata / "quant-vectors.gguf")).tensors}
    x = np.asarray(tensors["src.x"].data, dtype=np.float32)
    want = np.asarray(tensors["x.q8_0.deq"].data, dtype=np.float32)
    for rounding in ("ref", "simd"):
        assert np.array_equal(q8_0_dequantized(x, rounding).astype(np.float32), want), rounding
    tie = np.zeros(32, dtype=np.float32)
    tie[:2] = 127.0, 2.5  # d = 1: 2.5 rounds away from zero to 3 (ref), to even 2 (simd)
    assert q8_0_dequantized(tie, "ref")[1] == 3.0
    assert q8_0_dequantized(tie, "simd")[1] == 2.0


def test_q8_activations_touch_only_q8_0_paired_matrices(tmp_path: Path) -> None:
    f32, q8 = tmp_path / "f32.gguf", tmp_path / "q8_0.gguf"
    write_arch_model(f32, "qwen3", seed=7)
    write_arch_model(q8, "qwen3", QT.Q8_0, seed=7)
    assert np.array_equal(
        ReferenceForward(f32, "ref").logits(TOKENS_42), ReferenceForward(f32).logits(TOKENS_42)
    )
    assert not np.array_equal(
        ReferenceForward(q8, "ref").logits(TOKENS_42), ReferenceForward(q8).logits(TOKENS_42)
    )
