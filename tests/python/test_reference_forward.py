"""The batched float64 reference (llmbm_build.reference_forward, the KL base of `llmbm
perplexity` and of the accuracy table) against the per-token reference the engine tests use
(test_engine_gguf_forward.GgufReference, on llama2c_reference.ReferenceModel) on the same
synthetic GGUF files: two independent writings of one forward pass, so they must agree to
float64 rounding. F32 weights, where GgufReference quantizes no activations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType as QT

from llmbm_build.gguf_models import write_gguf_model
from llmbm_build.reference_forward import ReferenceForward
from test_engine_gguf_forward import CONFIG, TOKENS, GgufReference


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_matches_per_token_reference(tmp_path: Path, arch: str) -> None:
    path = tmp_path / f"{arch}.gguf"
    model = write_gguf_model(path, CONFIG, arch, QT.F32, seed=5)
    want = GgufReference(model, QT.F32).logits(TOKENS)
    got = ReferenceForward(path).logits(TOKENS)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-9 * np.abs(want).max()


def test_other_architectures_are_refused_by_name(tmp_path: Path) -> None:
    from llmbm_build.gguf_arch_models import write_arch_model

    path = tmp_path / "gemma2.gguf"
    write_arch_model(path, "gemma2")
    with pytest.raises(ValueError, match="architecture 'gemma2' has no float64 reference"):
        ReferenceForward(path)
