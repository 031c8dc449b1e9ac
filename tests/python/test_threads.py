"""`llmbm run -T N`: the same text for every thread count.

plat_parallel_for (firmware/host/thread_pool.c) hands each mat-vec row to exactly one thread,
so output must be byte-identical for any -T, greedy or sampled. The real stories260K has
64-row matrices (two shares at most); a synthetic model with dim 512 gives every thread count
uneven shares, in float32 and in the Q8_0 (ak42 v2) path; its token ids are compared, as its
synthetic pieces are often unprintable. The same model as GGUF Q4_0 and Q4_K runs the layouts
the loader converts those to (Q4_0P, and Q4_Kx16 whose shares are whole 16-row groups)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gguf import GGMLQuantizationType as QT

from engine_cli import run_llmbm
from llmbm_build.gguf_models import write_gguf_model
from llmbm_build.models import (
    Llama2cConfig,
    random_weights,
    synthetic_tokenizer,
    write_checkpoint,
    write_tokenizer,
)

THREADS = ["1", "2", "3", "4", "8", None]  # None: the default, every online CPU
SAMPLING = {"greedy": ["-t", "0"], "seeded": ["-t", "1.0", "-p", "0.9", "-s", "42"]}


def outputs(build_dir: Path, model: Path, tokenizer: Path, extra: list[str]) -> dict[str, bytes]:
    result = {}
    for threads in THREADS:
        args = [model, "-z", tokenizer, *extra] + (["-T", threads] if threads else [])
        result[threads or "default"] = run_llmbm(build_dir, "run", *args).stdout
    return result


def assert_all_equal(results: dict[str, bytes]) -> None:
    reference = results["1"]
    assert len(reference) > 20, reference
    for threads, out in results.items():
        assert out == reference, f"-T {threads} differs from -T 1:\n{out!r}\nvs\n{reference!r}"


@pytest.mark.parametrize("sampling", SAMPLING)
def test_stories260k_same_text_for_any_thread_count(build_dir: Path, testdata: Path, sampling: str) -> None:
    extra = [*SAMPLING[sampling], "-n", "200", "-i", "Once upon a time"]
    assert_all_equal(outputs(build_dir, testdata / "stories260K.bin", testdata / "tok512.bin", extra))


@pytest.fixture(scope="module")
def wide_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("threads")
    config = Llama2cConfig(
        dim=512, hidden_dim=1408, n_layers=2, n_heads=8, n_kv_heads=4, vocab_size=512, seq_len=64
    )
    weights = random_weights(config, seed=7)
    # Small embeddings (hence small shared-classifier logits): the random model then picks a
    # varied token sequence instead of repeating one token, greedy or sampled.
    weights.token_embedding *= 0.05
    write_checkpoint(tmp / "wide-f32.bin", config, weights, "legacy")
    write_checkpoint(tmp / "wide-q80.bin", config, weights, "v2", group_size=64)
    gguf_config = Llama2cConfig(
        dim=512, hidden_dim=1536, n_layers=2, n_heads=8, n_kv_heads=4, vocab_size=512, seq_len=64,
        shared_classifier=False,
    )  # fmt: skip
    write_gguf_model(tmp / "wide-q4_0.gguf", gguf_config, qtype=QT.Q4_0, seed=7)
    write_gguf_model(tmp / "wide-q4_K.gguf", gguf_config, qtype=QT.Q4_K, seed=7)
    write_tokenizer(tmp / "tok.bin", synthetic_tokenizer(config.vocab_size))
    return tmp / "wide-f32.bin", tmp / "tok.bin"


@pytest.mark.parametrize("fmt", ["f32.bin", "q80.bin", "q4_0.gguf", "q4_K.gguf"])
@pytest.mark.parametrize("sampling", SAMPLING)
def test_wide_model_same_text_for_any_thread_count(
    build_dir: Path, wide_model: tuple[Path, Path], fmt: str, sampling: str
) -> None:
    f32_model, tokenizer = wide_model
    model = f32_model.with_name(f"wide-{fmt}")
    extra = [*SAMPLING[sampling], "-n", "48", "-i", "the", "--print-ids"]
    assert_all_equal(outputs(build_dir, model, tokenizer, extra))
