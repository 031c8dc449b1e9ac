"""A 50-turn chat in a small context (it must wrap, dropping the oldest turns, keep answering
and not leak: free memory after turn 50 equals that after turn 5), and a model file bigger than
the machine's memory, in one boot with 256 MiB."""

from __future__ import annotations

import re

import pytest
from boot_helpers import PROMPT, Boot, boot, image_add, make_image
from gen_helpers import parse_answer

TURNS = [f"Tell me about the cat number {i}." for i in range(50)]
EARLY = 5  # turns before the first memory reading
BIG_MB = 300  # more than the 256 MiB the VM gets
COMMANDS = [
    "/load big.bin",
    "/set ctx 128",
    "/set template chatml",
    "/set max_tokens 8",  # 50 turns in well under the suite timeout on TCG
    *TURNS[:EARLY],
    "/ctx",
    *TURNS[EARLY:],
    "/ctx",
    "/help",
    "/shutdown",
]


@pytest.fixture(scope="module")
def session(tmp_path_factory, efi_binary, testdata, boot_tools) -> Boot:
    tmp = tmp_path_factory.mktemp("boot-context")
    big = tmp / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(BIG_MB << 20)  # sparse: content never matters, the size is refused first
    image = make_image(efi_binary, tmp / "context.img", [testdata / "stories260K.bin", big])
    big.unlink()
    image_add(image, testdata / "tok512.bin", "tokenizer.bin")
    return boot(image, COMMANDS, tmp, timeout=280, memory=256)


def test_model_bigger_than_memory_is_refused_with_numbers(session):
    reply = session.reply("/load big.bin")
    assert re.search(r"big\.bin: does not fit in memory: the weights alone are 300\.0 MB", reply), reply
    assert re.search(r"largest free memory block is [\d.]+ MB \([\d.]+ MB free in total\)", reply), reply
    assert "stories260K.bin stays loaded" in reply, reply


def test_small_context_is_set(session):
    assert "Context: 128 tokens" in session.reply("/set ctx 128")


def test_every_turn_is_answered_within_the_context(session):
    for turn in TURNS:
        answer = parse_answer(session.reply(turn))
        assert answer.context_size == 128 and answer.context_used <= 128, (turn, answer)
        assert answer.answer_tokens >= 1, (turn, answer)


def _last_ctx(session: Boot) -> str:
    start = session.console.rfind(PROMPT + "/ctx\n")
    assert start >= 0, session.console
    return session.console[start:].split(PROMPT)[1]


def _free_kb(ctx: str) -> int:
    m = re.search(r"memory: (\d+) KB free, largest block \d+ KB", ctx)
    assert m, ctx
    return int(m.group(1))


def test_context_wraps_keeping_the_conversation(session):
    assert "context full: dropped the oldest" in session.console
    ctx = _last_ctx(session)
    kept = re.search(r"(\d+) turns? kept \((\d+) since /reset\)", ctx)
    assert kept and int(kept.group(1)) >= 1 and int(kept.group(2)) == len(TURNS), ctx


def test_no_memory_is_lost_over_the_session(session):
    early, late = _free_kb(session.reply("/ctx")), _free_kb(_last_ctx(session))
    assert late == early, f"free memory after turn {EARLY}: {early} KB, after turn {len(TURNS)}: {late} KB"


def test_alive_after_the_long_session(session):
    assert "/model_info" in session.reply("/help")
    assert "Goodbye" in session.reply("/shutdown")
    assert "!!!! X64 Exception" not in session.console
    assert session.status == 0, f"status {session.status}\n{session.stderr}\n{session.console[-2000:]}"
