"""Build a disk image, put files on it, boot it in QEMU with the REPL scripted.

A separate module (not conftest.py) so test modules can import it by a name no other
test directory uses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ANSI = re.compile(rb"\x1b\[[0-9;=?]*[A-Za-z]|\x1b[()][0-9A-Za-z]")
PROMPT = "llmbm> "
PARTITION_OFFSET = "1M"  # the ESP starts at 1 MiB (llmbm_build.image)
# /selftest's verdict on plat_parallel_for (firmware/repl/selftest.c).
SELFTEST_OK = re.compile(r"^selftest: parallel_for OK \((\d+) cores? used\)$", re.M)


def make_image(efi: Path, output: Path, models: list[Path], cfg_example: Path | None = None) -> Path:
    cmd = [sys.executable, "-m", "llmbm_build.image", "--efi", str(efi), "--output", str(output)]
    for model in models:
        cmd += ["--model", str(model)]
    if cfg_example:
        cmd += ["--cfg-example", str(cfg_example)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, f"image build failed:\n{result.stdout}\n{result.stderr}"
    return output


def stories_image(efi: Path, output: Path, testdata: Path) -> Path:
    """An image with stories260K.bin (its repl.cfg loads it at boot) and tok512.bin as the
    root tokenizer.bin: the smallest model that chats."""
    make_image(efi, output, [testdata / "stories260K.bin"])
    image_add(output, testdata / "tok512.bin", "tokenizer.bin")
    return output


def image_read(image: Path, name: str) -> str:
    """A file from the image's FAT partition (mtools, no mounting)."""
    return subprocess.run(
        ["mtype", "-i", f"{image}@@{PARTITION_OFFSET}", f"::{name}"], check=True, capture_output=True
    ).stdout.decode()


def image_write(image: Path, name: str, content: str, tmp: Path) -> None:
    src = tmp / Path(name).name
    src.write_text(content)
    subprocess.run(["mcopy", "-o", "-i", f"{image}@@{PARTITION_OFFSET}", str(src), f"::{name}"], check=True)


def image_add(image: Path, source: Path, name: str) -> None:
    """Copy a (binary) file onto the image's FAT partition as `name`."""
    target = f"{image}@@{PARTITION_OFFSET}"
    subprocess.run(["mcopy", "-o", "-i", target, str(source), f"::{name}"], check=True)


@dataclass
class Boot:
    status: int
    console: str  # escape sequences removed, CR LF as LF
    stderr: str

    def reply(self, command: str) -> str:
        """What the REPL printed between typing `command` and the next prompt."""
        marker = PROMPT + command + "\n"
        start = self.console.find(marker)
        assert start >= 0, f"command {command!r} was never typed; console:\n{self.console}"
        start += len(marker)
        end = self.console.find(PROMPT, start)
        return self.console[start:] if end < 0 else self.console[start:end]

    @property
    def banner(self) -> str:
        end = self.console.find(PROMPT)
        assert end >= 0, f"no prompt {PROMPT!r}; console:\n{self.console}\nstderr:\n{self.stderr}"
        return self.console[:end]


def boot(
    image: Path,
    lines: list[str] | None,
    tmp: Path,
    timeout: float = 150,
    smp: int = 1,
    memory: int | None = None,
    extra_args: tuple[str, ...] = (),
) -> Boot:
    """lines None: nothing is typed (the runner gets no --input at all)."""
    cmd = [sys.executable, "-m", "llmbm_build.qemu", str(image)]
    if lines is not None:
        script = tmp / f"{image.stem}-input.txt"
        script.write_text("".join(line + "\n" for line in lines))
        cmd += ["--input", str(script)]
    accel = os.environ.get("LLMBM_QEMU_ACCEL", "tcg")
    cmd += [
        "--timeout",
        str(timeout),
        "--smp",
        str(smp),
        "--accel",
        accel,
    ]
    if memory:
        cmd += ["--memory", str(memory)]
    cmd += extra_args
    result = subprocess.run(cmd, capture_output=True, timeout=timeout + 30)
    console = ANSI.sub(b"", result.stdout).decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "")
    return Boot(result.returncode, console, result.stderr.decode("utf-8", "replace"))


def size_text(size: int) -> str:
    """How the firmware prints a file size (firmware/rt/rt_format.c rt_format_size)."""
    mib = 1 << 20
    if size >= mib:
        tenths = (size * 10 + mib // 2) // mib
        return f"{tenths // 10}.{tenths % 10} MB"
    return f"{(size + 1023) // 1024} KB"


def selftest_cores(reply: str) -> int:
    """The cores /selftest says did the work."""
    match = SELFTEST_OK.search(reply)
    assert match, reply
    return int(match.group(1))
