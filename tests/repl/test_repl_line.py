"""The line editor and interrupts, fed as key bytes to the hosted REPL: Esc and Ctrl-C stop an
answer and the session goes on; keys typed mid-line edit it (terminal escape sequences decoded
by firmware/host/terminal.c to the firmware's REPL_KEY_* values); Up recalls the history; a
line longer than the screen arrives whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from boot_helpers import Boot
from gen_helpers import parse_answer
from repl_helpers import CTRL_C, ESC, run_repl, stories_volume

MAX_TOKENS = 400
LONG = "You are a storyteller who " + "always " * 20 + "ends well."  # > 80 columns
COMMANDS = [
    "/set template raw",
    f"/set max_tokens {MAX_TOKENS}",
    "Once upon a time",
    # Esc at the head of the input while the answer runs: it stops at the first token.
    ESC + "/ctx",
    "There was a dog",
    CTRL_C + "/cfg",
    # Mid-line editing through the terminal's arrow keys (ESC [ D is Left, ESC [ C is Right):
    # "/mxdelsq" becomes "/models": Backspace (DEL) at the end, four times Left, BS (^H)
    # erases the x, o goes in, then Right to the end.
    "/mxdelsq\x7f\x1b[D\x1b[D\x1b[D\x1b[D\x08o\x1b[C\x1b[C\x1b[C\x1b[C",
    # Ctrl-P is Up: the previous line, entered again.
    "\x10",
    # Home (ESC [ H), Delete (ESC [ 3 ~), End (ESC [ F): "x/help" becomes "/help".
    "x/help\x1b[H\x1b[3~\x1b[F",
    f"/set system {LONG}",
    "/cfg",
    # UTF-8 typed in: code points for the line editor, UTF-8 again in the setting; ESC O D is
    # the other Left (application cursor mode): twice, back over the emoji and the space, then "!".
    "/set system Grüße 😀\x1bOD\x1bOD!",
    "/cfg",
    "/shutdown",
]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, llmbm: Path, testdata: Path) -> Boot:
    vol = tmp_path_factory.mktemp("repl-line")
    stories_volume(vol, testdata)
    return run_repl(llmbm, vol, COMMANDS)


def test_esc_interrupts_an_answer(session: Boot) -> None:
    answer = parse_answer(session.reply("Once upon a time"))
    assert answer.reason == "interrupted" and answer.answer_tokens == 1, answer
    assert "context:" in session.reply("/ctx"), "the line after the Esc still runs"


def test_ctrl_c_interrupts_and_the_session_goes_on(session: Boot) -> None:
    answer = parse_answer(session.reply("There was a dog"))
    assert answer.reason == "interrupted" and answer.answer_tokens == 1, answer
    assert "setting " in session.reply("/cfg")


def test_mid_line_editing_and_history(session: Boot) -> None:
    # The model listing shows up twice: once for the edited line, once for Up + Enter.
    listings = session.console.count("Model files (.gguf, .bin) at the root")
    assert listings == 2, session.console[-3000:]
    assert "Unknown command" not in session.console, session.console[-3000:]


def test_home_delete_end(session: Boot) -> None:
    assert session.console.count("Commands:") == 1, session.console[-3000:]


def test_a_line_longer_than_the_screen_arrives_whole(session: Boot) -> None:
    cfg = session.console.split("setting ")[-2]
    assert re.search(r"^system +" + re.escape(LONG) + r" +/set$", cfg, re.M), cfg


def test_utf8_and_ss3_arrows(session: Boot) -> None:
    cfg = session.console[session.console.rfind("setting ") :]
    assert re.search(r"^system +Grüße! 😀 +/set$", cfg, re.M), cfg


def test_shutdown(session: Boot) -> None:
    assert "Goodbye" in session.console
    assert session.status == 0, f"status {session.status}\n{session.stderr}\n{session.console[-2000:]}"
