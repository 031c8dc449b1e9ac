"""The line editor and interrupts over the serial console, in one boot of stories260K.bin:
Esc and Ctrl-C stop an answer and the session goes on; keys typed mid-line edit it; Up
recalls the history; a line longer than the screen arrives whole."""

from __future__ import annotations

import re

import pytest
from boot_helpers import Boot, boot, image_add, make_image
from gen_helpers import parse_answer

MAX_TOKENS = 400
LONG = "You are a storyteller who " + "always " * 20 + "ends well."  # > 80 columns
COMMANDS = [
    "/set template raw",
    f"/set max_tokens {MAX_TOKENS}",
    "Once upon a time",
    "@key esc after 0.3",
    "/ctx",
    "There was a dog",
    "@key ctrl-c after 0.3",
    # Mid-line editing through the terminal driver's arrow keys (ESC [ D is Left, ESC [ C is
    # Right): "/mxdelsq" becomes "/models": Backspace (DEL) at the end, four times Left, BS
    # (^H) erases the x, o goes in, then Right to the end.
    "/mxdelsq\x7f\x1b[D\x1b[D\x1b[D\x1b[D\x08o\x1b[C\x1b[C\x1b[C\x1b[C",
    # Ctrl-P is Up: the previous line, entered again.
    "\x10",
    f"/set system {LONG}",
    "/cfg",
    "/shutdown",
]


@pytest.fixture(scope="module")
def session(tmp_path_factory, efi_binary, testdata, boot_tools) -> Boot:
    tmp = tmp_path_factory.mktemp("boot-line")
    image = make_image(efi_binary, tmp / "line.img", [testdata / "stories260K.bin"])
    image_add(image, testdata / "tok512.bin", "tokenizer.bin")
    return boot(image, COMMANDS, tmp, timeout=150)


def _after(console: str, marker: str) -> str:
    start = console.find(marker)
    assert start >= 0, f"{marker!r} not in the console:\n{console}"
    return console[start + len(marker) :]


def test_esc_interrupts_an_answer(session):
    answer = parse_answer(session.reply("Once upon a time"))
    assert answer.reason == "interrupted", answer
    assert answer.answer_tokens < MAX_TOKENS, answer
    assert "[interrupted]" in answer.text or answer.text.endswith(" [interrupted]"), answer


def test_ctrl_c_interrupts_and_the_session_goes_on(session):
    assert "Context:" in session.reply("/ctx") or "context" in session.reply("/ctx").lower()
    answer = parse_answer(session.reply("There was a dog"))
    assert answer.reason == "interrupted", answer
    assert answer.answer_tokens < MAX_TOKENS, answer


def test_mid_line_editing_and_history(session):
    # The model listing shows up twice: once for the edited line, once for Up + Enter.
    listings = session.console.count("Model files (.gguf, .bin) at the root")
    assert listings == 2, session.console[-3000:]
    assert "Unknown command" not in session.console, session.console[-3000:]


def test_a_line_longer_than_the_screen_arrives_whole(session):
    cfg = _after(session.console, "setting ")
    assert re.search(r"^system +" + re.escape(LONG) + r" +/set$", cfg, re.M), cfg


def test_shutdown(session):
    assert "Goodbye" in session.console
    assert session.status == 0, f"status {session.status}\n{session.stderr}\n{session.console[-2000:]}"
