"""`llmbm repl` on a terminal (a pseudo-terminal here): raw mode with the firmware's line editor,
keys from escape sequences, Ctrl-C as a key, and the terminal's mode restored afterwards, also
when the process is killed by SIGTERM."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import termios
import time
from pathlib import Path

PROMPT = b"llmbm> "


class Terminal:
    """llmbm repl with a pty as its terminal; read() collects what it printed."""

    def __init__(self, llmbm: Path, volume: Path) -> None:
        # The test keeps its own descriptor of the terminal, to read its mode.
        self.master, self.slave = pty.openpty()
        self.before = termios.tcgetattr(self.slave)
        self.proc = subprocess.Popen(
            [str(llmbm), "repl", str(volume)], stdin=self.slave, stdout=self.slave, stderr=self.slave
        )
        self.out = b""

    def wait_for(self, text: bytes, count: int = 1, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.out.count(text) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} x{count} never came; output:\n{self.out.decode(errors='replace')}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.out += os.read(self.master, 65536)
                except OSError:  # the other side is gone
                    break

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def mode_now(self) -> list:
        return termios.tcgetattr(self.slave)

    def close(self) -> int:
        return self.proc.wait(timeout=30)

    def release(self) -> None:
        os.close(self.master)
        os.close(self.slave)


def test_raw_mode_keys_and_restore_on_shutdown(llmbm: Path, tmp_path: Path) -> None:
    term = Terminal(llmbm, tmp_path)
    term.wait_for(PROMPT)
    raw = term.mode_now()
    assert not raw[3] & termios.ICANON and not raw[3] & termios.ECHO and not raw[3] & termios.ISIG, raw
    term.type(b"/help\r")
    term.wait_for(PROMPT, 2)
    assert b"Commands:" in term.out
    term.type(b"\x1b[A\r")  # Up: /help again
    term.wait_for(PROMPT, 3)
    assert term.out.count(b"Commands:") == 2, term.out
    term.type(b"/cfgx\x1b[D\x1b[3~\r")  # Left, Delete: "/cfg"
    term.wait_for(PROMPT, 4)
    assert b"setting " in term.out and b"Unknown command" not in term.out, term.out
    term.type(b"some text\x03")  # Ctrl-C cancels the line being typed
    term.wait_for(b"^C")
    term.type(b"/shutdown\r")
    term.wait_for(b"Goodbye.")
    assert term.close() == 0
    after = term.mode_now()
    term.release()
    assert after[3] == term.before[3] and after[0] == term.before[0], "the terminal's mode is restored"


def test_sigterm_restores_the_terminal(llmbm: Path, tmp_path: Path) -> None:
    term = Terminal(llmbm, tmp_path)
    term.wait_for(PROMPT)
    assert term.mode_now()[3] != term.before[3]
    term.proc.send_signal(signal.SIGTERM)
    assert term.close() == -signal.SIGTERM
    after = term.mode_now()
    term.release()
    assert after[3] == term.before[3]
