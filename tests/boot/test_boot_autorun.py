"""autorun= in repl.cfg: the no-model image runs a file's lines with nothing typed (the runner
gets no --input) and its /shutdown ends the session."""

from __future__ import annotations

import pytest
from boot_helpers import Boot, boot, image_write, make_image

REPL_CFG = "# written by test_boot_autorun\nautorun=bench.txt\n"
BENCH = "/help\n# a comment line is skipped\n\n/autorun missing.txt\n/autorun bench.txt\n/shutdown\n/help\n"


@pytest.fixture(scope="module")
def session(tmp_path_factory, efi_binary, boot_tools) -> Boot:
    tmp = tmp_path_factory.mktemp("boot-autorun")
    image = make_image(efi_binary, tmp / "autorun.img", [])
    image_write(image, "repl.cfg", REPL_CFG, tmp)
    image_write(image, "bench.txt", BENCH, tmp)
    return boot(image, None, tmp, timeout=90)


def test_autorun_runs_the_lines_as_if_typed(session):
    assert "Running bench.txt (autorun= in repl.cfg line 2)" in session.console, session.console
    assert "Commands:" in session.reply("/help"), "each line is echoed after the prompt, then run"
    assert "a comment line" not in session.console


def test_a_missing_file_and_nesting_are_explained(session):
    missing = session.reply("/autorun missing.txt")
    assert "autorun: missing.txt is not on the boot volume: nothing run" in missing
    assert "autorun files cannot start other autorun files" in session.reply("/autorun bench.txt")


def test_shutdown_in_the_file_ends_the_session(session):
    assert "Goodbye." in session.reply("/shutdown")
    assert session.console.count("Commands:") == 1, "nothing after /shutdown runs"
    assert session.status == 0, f"status {session.status}\n{session.stderr}\n{session.console[-2000:]}"
