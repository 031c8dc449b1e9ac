"""The QEMU runner's logic without booting: exit-code mapping, prompt detection, ANSI
stripping, OVMF discovery, the command line, and the typing loop against a fake QEMU."""

from __future__ import annotations

import io
import sys
import textwrap
import time
from pathlib import Path

import pytest

from llmbm_build import BuildError
from llmbm_build import qemu as q


def test_firmware_status_mapping() -> None:
    assert q.firmware_status(0) == 0  # ResetSystem shutdown
    assert q.firmware_status(1) == 0  # isa-debug-exit with 0
    assert q.firmware_status(3) == 1
    assert q.firmware_status(0x2B) == 21
    assert q.firmware_status(2) is None  # even: QEMU's own error
    assert q.firmware_status(-15) is None  # killed by a signal


def test_strip_ansi() -> None:
    raw = "\x1b[2J\x1b[01;01H\x1b[=3hBds\x1b[0m\x1b[1;33mllm\x1b[0mbm> \x1b]0;title\x07done\x1bc"
    assert q.strip_ansi(raw) == "Bdsllmbm> done"
    assert q.strip_ansi("plain text\r\n") == "plain text\r\n"


def test_prompt_detection() -> None:
    assert q.count_prompts("boot\r\n") == 0
    assert q.count_prompts("boot\r\nllmbm> ") == 1
    assert q.count_prompts("llm\x1b[0mbm> /help\r\nhelp\r\nllmbm> ") == 2
    assert q.count_prompts("llmbm>") == 0, "the prompt includes its trailing space"
    assert q.has_cpu_exception("!!!! X64 Exception Type - 0D(#GP - General Protection)")


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"fd")
    return path


def test_find_ovmf_prefers_4m_pair_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    _touch(first / "OVMF_CODE.fd")
    _touch(first / "OVMF_VARS.fd")
    _touch(second / "OVMF_CODE_4M.fd")
    _touch(second / "OVMF_VARS_4M.fd")
    found = q.find_ovmf(dirs=[first, second])
    assert found == q.Ovmf(first / "OVMF_CODE.fd", first / "OVMF_VARS.fd"), "first directory wins"
    _touch(first / "OVMF_CODE_4M.fd")
    _touch(first / "OVMF_VARS_4M.fd")
    assert q.find_ovmf(dirs=[first, second]).code.name == "OVMF_CODE_4M.fd"


def test_find_ovmf_needs_a_matching_pair(tmp_path: Path) -> None:
    _touch(tmp_path / "OVMF_CODE_4M.fd")  # no VARS beside it
    with pytest.raises(BuildError, match="OVMF not found in .*apt-get install ovmf"):
        q.find_ovmf(dirs=[tmp_path])


def test_find_ovmf_explicit(tmp_path: Path) -> None:
    code, vars_ = _touch(tmp_path / "c.fd"), _touch(tmp_path / "v.fd")
    assert q.find_ovmf(code, vars_, dirs=[]) == q.Ovmf(code, vars_)
    with pytest.raises(BuildError, match="both"):
        q.find_ovmf(code, None, dirs=[])
    with pytest.raises(BuildError, match="missing.fd"):
        q.find_ovmf(code, tmp_path / "missing.fd", dirs=[])


def test_command_line() -> None:
    ovmf = q.Ovmf(Path("/o/CODE.fd"), Path("/o/VARS.fd"))
    cmd = q.qemu_command(Path("/img/x.img"), ovmf, Path("/tmp/v.fd"), accel="kvm", smp=4, memory_mb=512)
    text = " ".join(cmd)
    assert "-machine q35" in text and "-cpu max" in text and "-accel kvm" in text
    assert "-smp 4" in text and "-m 512" in text
    assert "if=pflash,format=raw,readonly=on,file=/o/CODE.fd" in cmd
    assert "if=pflash,format=raw,file=/tmp/v.fd" in cmd
    assert "format=raw,file=/img/x.img,snapshot=on" in cmd
    assert "isa-debug-exit,iobase=0xf4,iosize=0x04" in cmd
    assert "-serial stdio" in text and "-display none" in text
    interactive = q.qemu_command(Path("x.img"), ovmf, Path("v.fd"), interactive=True)
    assert "mon:stdio" in interactive
    assert "-qmp" not in cmd
    with_qmp = q.qemu_command(Path("x.img"), ovmf, Path("v.fd"), qmp=Path("/t/qmp.sock"))
    assert with_qmp[with_qmp.index("-qmp") + 1] == "unix:/t/qmp.sock,server=on,wait=off"


FAKE_QEMU = textwrap.dedent(
    r"""
    import os, sys, time
    mode = sys.argv[1]
    def say(text):
        os.write(1, text.encode())
    say("\x1b[2JBdsDxe: starting\r\nbanner\r\n")
    if mode == "crash":
        say("!!!! X64 Exception Type - 0D(#GP - General Protection)  CPU Apic ID - 00000000 !!!!\r\n")
        time.sleep(30)
    if mode == "hang":
        time.sleep(30)
    if mode == "qemu-error":
        os.write(2, b"qemu-system-x86_64: -drive file=x: Could not open\n")
        sys.exit(1)
    lines = []
    for _ in range(int(mode)):
        say("\x1b[1mllmbm>\x1b[0m ")
        line = b""
        while not line.endswith(b"\r"):
            char = os.read(0, 1)
            if not char:
                sys.exit(99)
            line += char
            say(char.decode())  # echo like a terminal
        say("\r\ngot " + line.decode().strip() + "\r\n")
        lines.append(line.decode().strip())
    with open(os.environ["FAKE_LOG"], "w") as log:
        log.write("\n".join(lines))
    sys.exit((5 << 1) | 1)
    """
)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "fake_qemu.py"
    script.write_text(FAKE_QEMU)
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log"))
    monkeypatch.setattr(q, "KEY_DELAY", 0.001)
    monkeypatch.setattr(q, "PROMPT_SETTLE", 0.05)
    return script


def test_runner_types_lines_at_prompts(fake: Path, tmp_path: Path) -> None:
    out = io.BytesIO()
    runner = q.Runner([sys.executable, str(fake), "2"], ["/models", "/shutdown now"], timeout=30, out=out)
    assert runner.run() == 5, "isa-debug-exit code 11 means firmware status 5"
    assert (tmp_path / "log").read_text() == "/models\n/shutdown now"
    console = q.strip_ansi(out.getvalue().decode())
    assert "llmbm> /models\r\r\ngot /models" in console
    assert console == q.strip_ansi(runner.console), "everything streamed is kept"


def test_runner_sends_a_key_after_a_delay_without_a_prompt(fake: Path, tmp_path: Path) -> None:
    lines = ["/models", q.KeyPress(b"x", 0.2), "/shutdown"]
    started = time.monotonic()
    runner = q.Runner([sys.executable, str(fake), "2"], lines, timeout=30, out=io.BytesIO())
    assert runner.run() == 5
    assert time.monotonic() - started >= 0.2
    # The fake reads keys until CR: the key pressed "during the answer" lands in the next line.
    assert (tmp_path / "log").read_text() == "/models\nx/shutdown"


def test_parse_input_line() -> None:
    assert q.parse_input_line("/set temp 0") == "/set temp 0"
    assert q.parse_input_line("@key esc after 0.5") == q.KeyPress(b"\x1b", 0.5)
    assert q.parse_input_line("@key Ctrl-C after 2") == q.KeyPress(b"\x03", 2.0)
    assert q.parse_input_line("@key up after 0") == q.KeyPress(b"\x1b[A", 0.0)
    assert q.parse_input_line("@keyboard layout") == "@keyboard layout", "only '@key' itself is special"
    assert q.parse_input_line("@screendump /tmp/a b.ppm") == q.Screendump(Path("/tmp/a b.ppm"))
    with pytest.raises(BuildError, match="expected '@screendump FILE'"):
        q.parse_input_line("@screendump")
    for bad, why in [
        ("@key esc", "expected '@key NAME after SECONDS'"),
        ("@key esc after", "expected"),
        ("@key f13 after 1", "unknown key 'f13'"),
        ("@key esc after soon", "'soon' is not a number"),
        ("@key esc after -1", "must be >= 0"),
        ("@key esc after nan", "must be >= 0"),
    ]:
        with pytest.raises(BuildError, match=why):
            q.parse_input_line(bad)


def test_read_input_lines(tmp_path: Path) -> None:
    script = tmp_path / "in.txt"
    script.write_text("/set max_tokens 400\nOnce upon a time\n@key esc after 0.2\n/ctx\n")
    assert q.read_input_lines(script) == [
        "/set max_tokens 400",
        "Once upon a time",
        q.KeyPress(b"\x1b", 0.2),
        "/ctx",
    ]


def test_runner_cpu_exception(fake: Path) -> None:
    runner = q.Runner([sys.executable, str(fake), "crash"], [], timeout=20, out=io.BytesIO())
    assert runner.run() == q.EXIT_CPU_EXCEPTION


def test_runner_timeout(fake: Path) -> None:
    runner = q.Runner([sys.executable, str(fake), "hang"], [], timeout=1.5, out=io.BytesIO())
    assert runner.run() == q.EXIT_TIMEOUT == 124


def test_runner_qemu_error_is_not_status_zero(fake: Path) -> None:
    runner = q.Runner([sys.executable, str(fake), "qemu-error"], [], timeout=20, out=io.BytesIO())
    assert runner.run() == q.EXIT_QEMU_FAILED


def test_cli_missing_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert q.main([str(tmp_path / "nope.img")]) == q.EXIT_QEMU_FAILED
    assert "nope.img" in capsys.readouterr().err
