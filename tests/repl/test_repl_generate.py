"""stories260K.bin (+ tok512.bin as tokenizer.bin) in the hosted REPL: completions equal
`llmbm run`, settings, /model_info, refused models, chat turns, /reset, /unload, a GGUF model.
(Moved here from the boot suite: none of it depends on the firmware.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from boot_helpers import Boot
from gen_helpers import host_run, host_steps, parse_answer
from repl_helpers import link_model, run_repl, stories_volume

GREEDY_PROMPT = "Once upon a time"
SAMPLED_PROMPT = "One day, Lily went to the park"
GGUF = "stories260K-q8_0-mix.gguf"
GGUF_PROMPT = "Tom and his dog"
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
    "/load models/stories260K-q8_0-mix.gguf",
    GGUF_PROMPT,
    "/unload",
    "are you there?",
    "/shutdown",
]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, llmbm: Path, testdata: Path) -> Boot:
    vol = tmp_path_factory.mktemp("repl-generate")
    stories_volume(vol, testdata)
    link_model(vol / "models", testdata / GGUF, GGUF)
    data = (testdata / "stories260K.bin").read_bytes()
    (vol / "trunc.bin").write_bytes(data[: len(data) // 3])
    (vol / "garbage.bin").write_bytes(b"this is not a model file, just text. " * 200)
    return run_repl(llmbm, vol, COMMANDS)


def test_autoloads_the_model_from_repl_cfg(session: Boot) -> None:
    banner = session.banner
    assert "Loading stories260K.bin (model= in repl.cfg line 1)" in banner, banner
    assert re.search(r"\[#+\] 100%  1\.0 MB of 1\.0 MB  [\d.]+ MB/s", banner), banner
    assert (
        "Loaded stories260K.bin: llama2.c legacy (fp32)" in banner and "tokenizer tokenizer.bin" in banner
    ), banner


def test_greedy_completion_equals_llmbm_run(session: Boot, llmbm: Path, testdata: Path) -> None:
    answer = parse_answer(session.reply(GREEDY_PROMPT))
    assert answer.reason == "max_tokens" and answer.answer_tokens == MAX_TOKENS, answer
    steps = host_steps(answer.prompt_tokens, MAX_TOKENS)
    model, tok = testdata / "stories260K.bin", testdata / "tok512.bin"
    assert answer.text == host_run(llmbm, model, tok, GREEDY_PROMPT, steps, "-t", "0")


def test_seeded_sampled_completion_equals_llmbm_run(session: Boot, llmbm: Path, testdata: Path) -> None:
    answer = parse_answer(session.reply(SAMPLED_PROMPT))
    assert answer.reason == "max_tokens", answer
    steps = host_steps(answer.prompt_tokens, MAX_TOKENS)
    model, tok = testdata / "stories260K.bin", testdata / "tok512.bin"
    sampling = ("-t", "1.0", "-p", "0.9", "-s", str(SEED))
    assert answer.text == host_run(llmbm, model, tok, SAMPLED_PROMPT, steps, *sampling)


def test_model_info_describes_without_loading(session: Boot) -> None:
    reply = session.reply("/model_info stories260K.bin")
    assert "format: llama2.c legacy (fp32)" in reply and "vocab_size: 512" in reply, reply
    assert re.search(r"needs [\d.]+ (MB|KB) = weights", reply) and "verdict: fits at ctx 512" in reply, reply
    bad = session.reply("/model_info trunc.bin")
    assert "trunc.bin" in bad and "truncated" in bad, bad


def test_corrupt_models_are_refused_and_the_old_one_stays(session: Boot) -> None:
    for name in ("trunc.bin", "garbage.bin"):
        reply = session.reply(f"/load {name}")
        assert name in reply and "Not loaded; stories260K.bin stays loaded." in reply, reply
    assert "nothere.bin: no such file" in session.reply("/load nothere.bin")
    assert "/model_info" in session.reply("/help")


def test_bad_settings_warn_and_keep_the_value(session: Boot) -> None:
    assert "warning: bad value for temp: 'abc'" in session.reply("/set temp abc")
    assert "keeping 1.0" in session.reply("/set temp abc")
    assert "warning: unknown key 'colour'" in session.reply("/set colour blue")
    cfg = session.reply("/cfg")
    assert re.search(r"^temp +0 +/set$", cfg, re.M), cfg
    assert re.search(r"^max_tokens +24 +/set$", cfg, re.M), cfg


def test_chat_turns_through_a_template(session: Boot) -> None:
    first = parse_answer(session.reply("Hello, who are you?"))
    second = parse_answer(session.reply("Tell me about a cat."))
    assert first.context_used < second.context_used <= second.context_size
    ctx = session.reply("/ctx")
    assert "template chatml" in ctx and "2 turns kept" in ctx, ctx


def test_gguf_from_models_dir_equals_llmbm_run(session: Boot, llmbm: Path, testdata: Path) -> None:
    loaded = session.reply("/load models/stories260K-q8_0-mix.gguf")
    assert (
        "Loaded models/stories260K-q8_0-mix.gguf: GGUF" in loaded and "tokenizer from the GGUF file" in loaded
    ), loaded
    answer = parse_answer(session.reply(GGUF_PROMPT))
    assert answer.reason == "max_tokens" and answer.answer_tokens == MAX_TOKENS, answer
    steps = host_steps(answer.prompt_tokens, MAX_TOKENS)
    assert answer.text == host_run(llmbm, testdata / GGUF, None, GGUF_PROMPT, steps, "-t", "0")


def test_reset_and_unload(session: Boot) -> None:
    assert "Conversation cleared." in session.reply("/reset")
    assert "Unloaded models/stories260K-q8_0-mix.gguf." in session.reply("/unload")
    assert "No model is loaded" in session.reply("are you there?")


def test_shutdown_exits_cleanly(session: Boot) -> None:
    assert "Goodbye" in session.reply("/shutdown")
    assert session.status == 0, f"status {session.status}\n{session.stderr}\n{session.console[-2000:]}"
