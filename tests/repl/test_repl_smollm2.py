"""Multi-turn chat with SmolLM2-135M-Instruct at native speed, greedy, through `llmbm repl`.

The volume holds the model (a symlink), the NAME.tpl the image build derives from its Jinja
template, and a repl.cfg naming the model: what the default image carries. The first answer must
equal `llmbm run --chat` token for token; the second must equal what plain `llmbm run` generates
for the whole conversation rendered by the model's own Jinja template, which checks that the REPL
keeps the conversation (KV cache, end-of-turn text) exactly as the template writes it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from boot_helpers import Boot
from gen_helpers import parse_answer
from repl_helpers import link_model, run_repl

from llmbm_build.chat_template import renderer_from_gguf

# Greedy, this model ends its answers to the first two by itself (its <|im_end|> token, after
# which the REPL writes the template's "\n"); the third runs into max_tokens (the REPL then
# writes the whole end-of-turn text). Both ways of closing a turn are checked.
TURNS = ["Hi!", "What is 2+2?", "Tell me a long story about a dragon."]
MAX_TOKENS = 40
LINES = ["/set temp 0", f"/set max_tokens {MAX_TOKENS}", *TURNS, "/ctx", "/shutdown"]
# Control tokens of the ChatML template: llmbm run prints them as nothing.
CONTROL = ("<|im_start|>", "<|im_end|>")


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory, smollm2: Path) -> Path:
    vol = tmp_path_factory.mktemp("smollm2")
    model = link_model(vol, smollm2, "smollm2.gguf")
    subprocess.run(
        [sys.executable, "-m", "llmbm_build.chat_template", str(model), "-o", str(vol / "smollm2.tpl")],
        check=True,
    )
    (vol / "repl.cfg").write_text("model=smollm2.gguf\n")
    return vol


@pytest.fixture(scope="module")
def session(llmbm: Path, volume: Path) -> Boot:
    return run_repl(llmbm, volume, LINES)


def same_level(session: Boot) -> list[str]:
    """`--isa` for the level the REPL measured and chose: llmbm run's own measurement may pick
    another under load, and Q4_1 dots round differently across levels (within 1e-6, enough to
    turn a near-tie greedy pick)."""
    m = re.search(r"Kernels: (\w+)", session.banner)
    assert m, session.banner
    return ["--isa", m.group(1)]


def test_the_model_loads_with_its_derived_template(session: Boot) -> None:
    banner = session.banner
    assert "Loaded smollm2.gguf: GGUF, dim 576, 30 layers, vocab 49152" in banner, banner
    assert "Chat template smollm2.tpl (from the model)" in banner, banner


def test_first_answer_equals_run_chat(session: Boot, llmbm: Path, volume: Path) -> None:
    answer = parse_answer(session.reply(TURNS[0]))
    assert answer.answer_tokens >= 1 and answer.text.strip(), answer
    cmd = [
        str(llmbm),
        "run",
        str(volume / "smollm2.gguf"),
        "--chat",
        "-t",
        "0",
        "--max-tokens",
        str(MAX_TOKENS),
        *same_level(session),
    ]
    run = subprocess.run([*cmd, "-i", TURNS[0]], capture_output=True, text=True, check=True)
    assert run.stdout == answer.text + "\n", (run.stdout, answer.text)
    assert f"generated tokens: {answer.answer_tokens}," in run.stderr, run.stderr


def test_both_ways_of_ending_a_turn_occur(session: Boot) -> None:
    reasons = [parse_answer(session.reply(turn)).reason for turn in TURNS]
    assert reasons == ["end of text", "end of text", "max_tokens"], reasons


@pytest.mark.parametrize("turn", [1, 2])
def test_later_turns_continue_the_template_conversation(
    session: Boot, llmbm: Path, volume: Path, turn: int
) -> None:
    answers = [parse_answer(session.reply(text)) for text in TURNS[: turn + 1]]
    renderer = renderer_from_gguf(volume / "smollm2.gguf")
    assert renderer is not None
    messages = []
    for text, answer in zip(TURNS[:turn], answers[:-1], strict=True):
        messages += [{"role": "user", "content": text}, {"role": "assistant", "content": answer.text}]
    messages.append({"role": "user", "content": TURNS[turn]})
    prompt = renderer.render(messages, True)
    latest = answers[-1]
    steps = latest.context_used + 8  # room for everything the REPL generated
    run = subprocess.run(
        [str(llmbm), "run", str(volume / "smollm2.gguf"), "-t", "0", "-n", str(steps), "-i", prompt]
        + same_level(session),
        capture_output=True,
        text=True,
        check=True,
    )
    echo = prompt
    for marker in CONTROL:
        echo = echo.replace(marker, "")
    assert run.stdout.startswith(echo), (run.stdout, echo)
    generated = run.stdout[len(echo) : -1]
    if latest.reason == "end of text":
        assert generated == latest.text
    else:
        assert latest.reason == "max_tokens" and generated.startswith(latest.text), (generated, latest)


def test_the_turns_are_kept(session: Boot) -> None:
    ctx = session.reply("/ctx")
    assert f"{len(TURNS)} turns kept" in ctx, ctx
    assert session.status == 0, session.stderr
