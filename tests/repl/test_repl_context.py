"""A 50-turn chat in a small context (it must wrap, dropping the oldest turns, keep answering
and not leak: free memory after turn 50 equals that after turn 5), and a model file bigger than
the memory budget, in one hosted session with --memory 256 (the boot suite ran this in a
256 MiB VM). The hosted budget counts plat_alloc's bytes exactly, so a leak changes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from boot_helpers import PROMPT, Boot
from gen_helpers import parse_answer
from repl_helpers import run_repl, stories_volume

TURNS = [f"Tell me about the cat number {i}." for i in range(50)]
EARLY = 5  # turns before the first memory reading
BIG_MB = 300  # more than the 256 MiB budget
COMMANDS = [
    "/load big.bin",
    "/set ctx 128",
    "/set template chatml",
    "/set max_tokens 8",
    *TURNS[:EARLY],
    "/ctx",
    *TURNS[EARLY:],
    "/ctx",
    "/help",
    "/shutdown",
]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, llmbm: Path, testdata: Path) -> Boot:
    vol = tmp_path_factory.mktemp("repl-context")
    stories_volume(vol, testdata)
    with (vol / "big.bin").open("wb") as handle:
        handle.truncate(BIG_MB << 20)  # sparse: content never matters, the size is refused first
    return run_repl(llmbm, vol, COMMANDS, "--memory", "256")


def test_the_budget_is_the_one_asked_for(session: Boot) -> None:
    assert re.search(r"available memory: 25\d MB \(--memory\)", session.banner), session.banner


def test_model_bigger_than_memory_is_refused_with_numbers(session: Boot) -> None:
    reply = session.reply("/load big.bin")
    assert re.search(r"big\.bin: does not fit in memory: the weights alone are 300\.0 MB", reply), reply
    assert re.search(r"largest free memory block is [\d.]+ MB \([\d.]+ MB free in total\)", reply), reply
    assert "stories260K.bin stays loaded" in reply, reply


def test_small_context_is_set(session: Boot) -> None:
    assert "Context: 128 tokens" in session.reply("/set ctx 128")


def test_every_turn_is_answered_within_the_context(session: Boot) -> None:
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


def test_context_wraps_keeping_the_conversation(session: Boot) -> None:
    assert "context full: dropped the oldest" in session.console
    ctx = _last_ctx(session)
    kept = re.search(r"(\d+) turns? kept \((\d+) since /reset\)", ctx)
    assert kept and int(kept.group(1)) >= 1 and int(kept.group(2)) == len(TURNS), ctx


def test_no_memory_is_lost_over_the_session(session: Boot) -> None:
    early, late = _free_kb(session.reply("/ctx")), _free_kb(_last_ctx(session))
    assert late == early, f"free memory after turn {EARLY}: {early} KB, after turn {len(TURNS)}: {late} KB"


def test_alive_after_the_long_session(session: Boot) -> None:
    assert "/model_info" in session.reply("/help")
    assert "Goodbye" in session.reply("/shutdown")
    assert session.status == 0, f"status {session.status}\n{session.stderr}\n{session.console[-2000:]}"
