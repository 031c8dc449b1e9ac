"""Boot stories260K.bin (+ tok512.bin as tokenizer.bin) and drive generation, settings,
/model_info and the robustness cases in one boot; the completions must equal `llmbm run`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from boot_helpers import Boot, boot, image_add, make_image
from gen_helpers import host_run, host_steps, parse_answer
from gguf import GGMLQuantizationType as QT

from llmbm_build.gguf_models import write_gguf_model
from llmbm_build.models import Llama2cConfig

GREEDY_PROMPT = "Once upon a time"
SAMPLED_PROMPT = "One day, Lily went to the park"
GGUF = "stories260K-q8_0-mix.gguf"
GGUF_PROMPT = "Tom and his dog"
# Q4_0 matrices are converted to the two-plane Q4_0P at load time; this one
# checks that path (and its avx2 kernel) in the firmware against the host.
GGUF_Q4_0 = "stories260K-q4_0-mix.gguf"
GGUF_Q4_0_PROMPT = "The little bird"
# Q4_K matrices become Q4_Kx16 (16 rows interleaved) when the level has a SIMD kernel for it:
# a random-weight Q4_K model with K-quant-sized rows and stories260K's vocabulary runs the
# avx2 one in the firmware, against the host's (each bit-identical to scalar Q4_K).
Q4_K_CONFIG = Llama2cConfig(
    dim=256, hidden_dim=512, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=512, seq_len=128,
    shared_classifier=False,
)  # fmt: skip
Q4_K_PROMPT = "A big red ball"
MAX_TOKENS = 24
SEED = 42

COMMANDS = [
    "/set template raw",
    "/set temp 0",
    f"/set max_tokens {MAX_TOKENS}",
    GREEDY_PROMPT,
    "/set temp 1.0",
    "/set top_p 0.9",
    f"/set seed {SEED}",
    SAMPLED_PROMPT,
    "/model_info stories260K.bin",
    "/model_info trunc.bin",
    "/load trunc.bin",
    "/load garbage.bin",
    "/load nothere.bin",
    "/help",
    "/set temp abc",
    "/set colour blue",
    "/preset greedy",
    "/cfg",
    "/set template chatml",
    "/set system You tell short stories.",
    "Hello, who are you?",
    "Tell me about a cat.",
    "/ctx",
    "/reset",
    "/ctx",
    "/set template raw",
    # isa=auto would pick what TCG runs fastest (sse2 or scalar, test_boot_autotune.py); these
    # GGUF loads check the avx2 kernels and layouts against the host instead.
    "/set isa avx2",
    "/load stories260K-q8_0-mix.gguf",
    GGUF_PROMPT,
    "/load q40mix.gguf",
    GGUF_Q4_0_PROMPT,
    "/load q4k.gguf",
    Q4_K_PROMPT,
    "/load stories260K-q8_0-mix.gguf",
    "/unload",
    "are you there?",
    "/shutdown",
]


@pytest.fixture(scope="module")
def q4k_model(tmp_path_factory, testdata) -> Path:
    path = tmp_path_factory.mktemp("q4k") / "q4k.gguf"
    write_gguf_model(path, Q4_K_CONFIG, qtype=QT.Q4_K, seed=5, tokenizer_from=testdata / GGUF)
    return path


@pytest.fixture(scope="module")
def session(tmp_path_factory, efi_binary, testdata, boot_tools, q4k_model) -> Boot:
    tmp = tmp_path_factory.mktemp("boot-generate")
    image = make_image(efi_binary, tmp / "generate.img", [testdata / "stories260K.bin", testdata / GGUF])
    image_add(image, testdata / "tok512.bin", "tokenizer.bin")
    data = (testdata / "stories260K.bin").read_bytes()
    (tmp / "trunc.bin").write_bytes(data[: len(data) // 3])
    (tmp / "garbage.bin").write_bytes(b"this is not a model file, just text. " * 200)
    image_add(image, tmp / "trunc.bin", "trunc.bin")
    image_add(image, tmp / "garbage.bin", "garbage.bin")
    image_add(image, testdata / GGUF_Q4_0, "q40mix.gguf")
    image_add(image, q4k_model, "q4k.gguf")
    return boot(image, COMMANDS, tmp, timeout=200)


@pytest.fixture(scope="module")
def llmbm(build_dir: Path) -> Path:
    path = build_dir / "llmbm"
    if not path.is_file():
        pytest.fail(f"{path} not built: the host CLI is the reference for these tests")
    return path


def test_autoloads_the_model_from_repl_cfg(session):
    banner = session.banner
    assert "Loading stories260K.bin (model= in repl.cfg line" in banner, banner
    assert re.search(r"\[#+\] 100%  1\.0 MB of 1\.0 MB  [\d.]+ MB/s", banner), banner
    assert "Loaded stories260K.bin: llama2.c legacy (fp32)" in banner, banner
    assert "tokenizer tokenizer.bin" in banner, banner
    assert "!!!! X64 Exception" not in session.console


def test_greedy_completion_equals_llmbm_run(session, llmbm, testdata):
    answer = parse_answer(session.reply(GREEDY_PROMPT))
    assert answer.reason == "max_tokens" and answer.answer_tokens == MAX_TOKENS, answer
    steps = host_steps(answer.prompt_tokens, MAX_TOKENS)
    expected = host_run(
        llmbm, testdata / "stories260K.bin", testdata / "tok512.bin", GREEDY_PROMPT, steps, "-t", "0"
    )
    assert answer.text == expected


def test_seeded_sampled_completion_equals_llmbm_run(session, llmbm, testdata):
    answer = parse_answer(session.reply(SAMPLED_PROMPT))
    assert answer.reason == "max_tokens", answer
    steps = host_steps(answer.prompt_tokens, MAX_TOKENS)
    expected = host_run(
        llmbm, testdata / "stories260K.bin", testdata / "tok512.bin", SAMPLED_PROMPT, steps,
        "-t", "1.0", "-p", "0.9", "-s", str(SEED),
    )  # fmt: skip
    assert answer.text == expected


def test_model_info_describes_without_loading(session):
    reply = session.reply("/model_info stories260K.bin")
    assert "format: llama2.c legacy (fp32)" in reply and "vocab_size: 512" in reply, reply
    assert re.search(r"needs [\d.]+ (MB|KB) = weights", reply) and "verdict: fits at ctx 512" in reply, reply
    bad = session.reply("/model_info trunc.bin")
    assert "trunc.bin" in bad and "truncated" in bad, bad


def test_corrupt_models_are_refused_and_the_old_one_stays(session):
    for name in ("trunc.bin", "garbage.bin"):
        reply = session.reply(f"/load {name}")
        assert name in reply and "Not loaded; stories260K.bin stays loaded." in reply, reply
    missing = session.reply("/load nothere.bin")
    assert "nothere.bin: no such file" in missing, missing
    assert "/model_info" in session.reply("/help")


def test_bad_settings_warn_and_keep_the_value(session):
    assert "warning: bad value for temp: 'abc'" in session.reply("/set temp abc")
    assert "keeping 1.0" in session.reply("/set temp abc")
    assert "warning: unknown key 'colour'" in session.reply("/set colour blue")
    cfg = session.reply("/cfg")
    assert re.search(r"^temp +0 +/set$", cfg, re.M), cfg
    assert re.search(r"^max_tokens +24 +/set$", cfg, re.M), cfg


def test_chat_turns_through_a_template(session):
    first = parse_answer(session.reply("Hello, who are you?"))
    second = parse_answer(session.reply("Tell me about a cat."))
    assert first.context_used < second.context_used <= second.context_size
    ctx = session.reply("/ctx")
    assert "template chatml" in ctx and "2 turns kept" in ctx, ctx


def assert_gguf_greedy_matches_host(session: Boot, llmbm: Path, name: str, model: Path, prompt: str) -> None:
    """/load NAME in the firmware, then PROMPT's greedy completion equals `llmbm run`'s."""
    loaded = session.reply(f"/load {name}")
    assert f"Loaded {name}: GGUF" in loaded and "tokenizer from the GGUF file" in loaded, loaded
    answer = parse_answer(session.reply(prompt))
    assert answer.reason == "max_tokens" and answer.answer_tokens == MAX_TOKENS, answer
    steps = host_steps(answer.prompt_tokens, MAX_TOKENS)
    assert answer.text == host_run(llmbm, model, None, prompt, steps, "-t", "0")


def test_gguf_greedy_completion_equals_llmbm_run(session, llmbm, testdata):
    # QEMU's -cpu max emulates AVX2 but not AVX-512; /set isa avx2 makes the firmware run the
    # avx2 kernels while the host may run another level: the same tokens.
    assert "Kernels: avx2 (forced, not measured)" in session.reply("/set isa avx2")
    assert_gguf_greedy_matches_host(session, llmbm, "stories260K-q8_0-mix.gguf", testdata / GGUF, GGUF_PROMPT)


def test_q4_0_gguf_greedy_completion_equals_llmbm_run(session, llmbm, testdata):
    assert_gguf_greedy_matches_host(session, llmbm, "q40mix.gguf", testdata / GGUF_Q4_0, GGUF_Q4_0_PROMPT)


def test_q4_k_gguf_greedy_completion_equals_llmbm_run(session, llmbm, q4k_model):
    info = subprocess.run([str(llmbm), "info", str(q4k_model)], capture_output=True, text=True, check=True)
    assert "q4_Kx16" in info.stdout, info.stdout  # the host converts too (its level has the kernel)
    assert_gguf_greedy_matches_host(session, llmbm, "q4k.gguf", q4k_model, Q4_K_PROMPT)


def test_reset_and_unload(session):
    assert "Conversation cleared." in session.reply("/reset")
    assert "Unloaded stories260K-q8_0-mix.gguf." in session.reply("/unload")
    assert "No model is loaded" in session.reply("are you there?")


def test_shutdown_exits_cleanly(session):
    assert "Goodbye" in session.reply("/shutdown")
    assert session.status == 0, f"status {session.status}\n{session.stderr}\n{session.console[-2000:]}"
