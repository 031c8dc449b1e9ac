"""Autorun files are text: `/autorun` and `autorun=` refuse a file with a NUL byte, invalid UTF-8
or an over-long line before running any of it, read a huge file in bounded pieces, and stop at
an Esc between two lines (firmware/repl/autorun.c)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from boot_helpers import PROMPT, Boot
from repl_helpers import ESC, link_model, run_repl

# Valid UTF-8 in several byte lengths, behind a byte-order mark: all of it is text.
GOOD = "\ufeff/set system Réponds en 中文 🙂\n# a comment\n\n  /set temp 0.5  \r\n"
# Each bad file starts with a line that would visibly run (/help) if the check came too late.
BAD_FILES = {
    "nul.txt": b"/help\n/set temp 0.5\nab\x00cd\n",
    "latin1.txt": b"/help\n/set temp 0.5\nh\xe9llo\n",
    "overlong.txt": b"/help\n\xc0\xaf\n",  # '/' in two bytes: not UTF-8
    "surrogate.txt": b"/help\n\xed\xa0\x80\n",  # U+D800 is not a character
    "cut.txt": b"/help\n\xe4\xb8",  # a sequence the end of the file cuts
    "long.txt": b"/help\n" + b"a" * 20000 + b"\n",
}
BIG_LINES = 200_000  # about 2.8 MB


def run_output(session: Boot, name: str) -> str:
    """The console from `/autorun NAME` through autorun's closing line: the lines it ran echo
    the prompt, so Boot.reply would end at the first of them."""
    start = session.console.index(f"{PROMPT}/autorun {name}\n")
    end = session.console.index(f"autorun: {name} ", start)
    return session.console[start : session.console.index("\n", end) + 1]


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Path:
    vol = tmp_path_factory.mktemp("repl-autorun-text")
    (vol / "good.txt").write_bytes(GOOD.encode())
    for name, data in BAD_FILES.items():
        (vol / name).write_bytes(data)
    (vol / "big.txt").write_text("/set temp 0.5\n" * BIG_LINES)
    link_model(vol, testdata / "stories260K.bin", "stories260K.bin")  # a 1 MB binary
    return vol


@pytest.fixture(scope="module")
def session(volume: Path, llmbm: Path) -> Boot:
    lines = ["/autorun good.txt", *(f"/autorun {name}" for name in BAD_FILES)]
    lines += ["/autorun stories260K.bin", "/help", "/cfg"]
    return run_repl(llmbm, volume, lines)


def test_utf8_text_runs(session: Boot) -> None:
    reply = run_output(session, "good.txt")
    assert "system = Réponds en 中文 🙂" in reply, reply
    assert "temp = 0.5" in reply and "autorun: good.txt done (2 lines)" in reply, reply


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("nul.txt", r"is not a text file \(a NUL byte at byte 22, line 3\)"),
        ("latin1.txt", r"is not a text file \(invalid UTF-8 at byte 21, line 3\)"),
        ("overlong.txt", r"is not a text file \(invalid UTF-8 at byte 6, line 2\)"),
        ("surrogate.txt", r"is not a text file \(invalid UTF-8 at byte 6, line 2\)"),
        ("cut.txt", r"is not a text file \(invalid UTF-8 at byte 6, line 2\)"),
        ("long.txt", r"line 2 is longer than 16383 bytes"),
    ],
)
def test_a_file_that_is_not_text_is_refused_before_any_line_runs(session: Boot, name: str, why: str) -> None:
    reply = session.reply(f"/autorun {name}")
    assert re.fullmatch(rf"autorun: {re.escape(name)} {why}: nothing run\n", reply), reply


def test_a_binary_model_is_refused_and_the_repl_goes_on(session: Boot) -> None:
    reply = session.reply("/autorun stories260K.bin")
    refusal = r"autorun: stories260K.bin is not a text file \(.* at byte \d+, line \d+\): nothing run\n"
    assert re.fullmatch(refusal, reply), reply
    assert "Commands:" in session.reply("/help")
    assert session.console.count("Commands:") == 1, "no /help line of a refused file ran"
    assert session.status == 0, session.stderr


def test_autorun_in_repl_cfg_refuses_a_binary_too(llmbm: Path, volume: Path, tmp_path: Path) -> None:
    link_model(tmp_path, volume / "stories260K.bin", "stories260K.bin")
    (tmp_path / "repl.cfg").write_text("autorun=stories260K.bin\n")
    result = run_repl(llmbm, tmp_path, ["/set temp 0.25"])
    assert "Running stories260K.bin (autorun= in repl.cfg line 1)" in result.banner, result.console
    assert "autorun: stories260K.bin is not a text file" in result.console, result.console
    assert "temp = 0.25" in result.reply("/set temp 0.25"), "the prompt takes over after the refusal"


def test_a_huge_file_runs_to_its_end(session: Boot, llmbm: Path, volume: Path) -> None:
    result = run_repl(llmbm, volume, ["/autorun big.txt"], timeout=120)
    assert result.console.count("temp = 0.5") == BIG_LINES
    assert f"autorun: big.txt done ({BIG_LINES} lines)" in result.console


def test_esc_between_lines_stops_a_huge_file(llmbm: Path, volume: Path) -> None:
    # The Esc waits at the head of the input when the first line has run (the hosted REPL takes
    # only Esc and Ctrl-C from there while busy), so exactly one line runs.
    result = run_repl(llmbm, volume, ["/autorun big.txt", ESC + "/set temp 0.75"])
    reply = run_output(result, "big.txt")
    assert reply.count("temp = 0.5") == 1, reply
    assert f"autorun: big.txt stopped by Esc after 1 of {BIG_LINES} lines" in reply, reply
    assert "temp = 0.75" in result.reply("/set temp 0.75"), "the REPL reads the next line as usual"
