"""Run `llmbm repl DIR` with scripted input and read its transcript like a boot's.

The input is what llmbm-qemu --input types, as bytes on stdin: each line ends with Enter, and
keys are their terminal bytes (Esc is "\\x1b", Up is "\\x1b[A"). An Esc or Ctrl-C right after a
line stops that line's answer at its first token: between tokens the hosted REPL takes only those
two keys from the head of the input, the way llmbm-qemu presses them with @key during an
answer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from boot_helpers import ANSI, Boot

ESC = "\x1b"
CTRL_C = "\x03"


def run_repl(
    llmbm: Path,
    volume: Path,
    lines: list[str],
    *args: str,
    timeout: float = 120,
) -> Boot:
    """`llmbm repl VOLUME ARGS...` with `lines` typed (each followed by Enter); the end of the
    input ends the session. The result reads like boot_helpers.boot's."""
    script = "".join(line + "\n" for line in lines).encode()
    result = subprocess.run(
        [str(llmbm), "repl", str(volume), *args], input=script, capture_output=True, timeout=timeout
    )
    console = ANSI.sub(b"", result.stdout).decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "")
    return Boot(result.returncode, console, result.stderr.decode("utf-8", "replace"))


def link_model(volume: Path, source: Path, name: str) -> Path:
    """Put a model on the volume without copying it (a symlink; the REPL follows those)."""
    volume.mkdir(parents=True, exist_ok=True)
    target = volume / name
    target.symlink_to(source.resolve())
    return target


def stories_volume(volume: Path, testdata: Path) -> None:
    """The stick most scenarios use: stories260K.bin (under its own name, as the image build
    stores it), tok512.bin as tokenizer.bin, repl.cfg loading the model."""
    link_model(volume, testdata / "stories260K.bin", "stories260K.bin")
    copy_file(volume, testdata / "tok512.bin", "tokenizer.bin")
    (volume / "repl.cfg").write_text("model=stories260K.bin\n")


def copy_file(volume: Path, source: Path, name: str) -> Path:
    volume.mkdir(parents=True, exist_ok=True)
    target = volume / name
    shutil.copyfile(source, target)
    return target
