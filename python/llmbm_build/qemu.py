"""Boot a disk image in QEMU with OVMF, headless (scripted) or on the terminal.

    python3 -m llmbm_build.qemu IMAGE [--input FILE] [--timeout S] [--smp N] [--accel auto|tcg|kvm]
                                [--memory MB] [--ovmf-code P] [--ovmf-vars P] [--interactive]
                                [--vga std|none]

Defaults fit the machine: ``--accel auto`` takes KVM when /dev/kvm opens and a short probe boot
works, else TCG (saying why answers will be slow); ``--smp`` is the host's cores (up to 8);
``--memory`` is what the model repl.cfg names needs (weights + KV cache + 512 MiB, at least
2 GiB). ``--interactive`` puts the console on the terminal; when stdin is not a terminal, its
lines are typed at the prompts instead, as with ``--input``.

Headless runs stream the serial console to stdout as it arrives. With ``--input``, each line of
FILE is typed into the REPL once its prompt ``llmbm> `` has appeared and the console has gone
quiet. A line ``@key NAME after S`` instead sends one key S seconds after the previous line was
typed, without waiting for a prompt: that is how a test presses Esc (``esc``) or Ctrl-C
(``ctrl-c``) while an answer is being generated. A line ``@screendump FILE`` waits like a typed
line (a new prompt, then quiet) and saves the screen as a PPM image through QMP (QEMU's
``screendump``); the next line is then typed at that same prompt. The firmware draws the screen
before it writes the serial port, so a quiet console means a finished screen. Exit status:

* the firmware's status: QEMU exit 0 (ResetSystem shutdown) gives 0; an isa-debug-exit write of
  ``v`` makes QEMU exit with ``(v << 1) | 1``, which maps back to ``v``;
* 124 on timeout (like coreutils ``timeout``);
* 125 when QEMU itself failed (missing file, bad option, killed by a signal);
* 126 when OVMF reported a CPU exception (``!!!! X64 Exception Type``);
* 123 when nothing was booted: OVMF found no bootable option it could start (Secure Boot
  refusing an unsigned binary ends there), or shim refused its second stage.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import selectors
import shutil
import signal
import socket as socketlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import BuildError
from .model_memory import image_memory_mib

PROMPT = "llmbm> "
EXCEPTION_MARKER = "!!!! X64 Exception Type"
# What OVMF's boot manager and shim print when they give up on every boot option.
NOT_BOOTED_MARKERS = ("BdsDxe: No bootable option or device was found", "Verification failed: (0x1A)")
DEBUG_EXIT_PORT = 0xF4

EXIT_NOT_BOOTED = 123
EXIT_TIMEOUT = 124
EXIT_QEMU_FAILED = 125
EXIT_CPU_EXCEPTION = 126

# Pairs that belong together (a VARS store only matches the CODE it was built with), in the
# places Debian/Ubuntu, Fedora, Arch, openSUSE and QEMU's own bundle put them.
OVMF_DIRS = (
    "/usr/share/OVMF",
    "/usr/share/edk2/ovmf",
    "/usr/share/edk2/x64",
    "/usr/share/edk2-ovmf/x64",
    "/usr/share/ovmf/x64",
    "/usr/share/qemu",
)
OVMF_PAIRS = (
    ("OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd"),
    ("OVMF_CODE.4m.fd", "OVMF_VARS.4m.fd"),
    ("OVMF_CODE.fd", "OVMF_VARS.fd"),
    ("edk2-x86_64-code.fd", "edk2-i386-vars.fd"),
)

# CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST), charset selection (ESC ( B) and the other
# two-byte escapes such as ESC c.
_ANSI_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-~]"
)

# Seconds between typed characters. OVMF polls the UART from a timer; under TCG a burst can
# outrun it, so the runner types like a fast human rather than a paste.
KEY_DELAY = 0.02
# The console must be quiet this long after a prompt before typing, so that a prompt printed
# twice (ConOut and a direct serial mirror) or trailing output is not typed over.
PROMPT_SETTLE = 0.3


# What ``@key NAME`` sends: the bytes a serial terminal produces for that key.
KEYS = {
    "esc": b"\x1b",
    "ctrl-c": b"\x03",
    "enter": b"\r",
    "backspace": b"\x7f",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
}
_KEY_LINE = re.compile(r"@key\s+(\S+)\s+after\s+(\S+)\s*")


@dataclass(frozen=True)
class KeyPress:
    """An input-file ``@key NAME after S`` line: send `data` S seconds after the previous line."""

    data: bytes
    after: float


@dataclass(frozen=True)
class Screendump:
    """An input-file ``@screendump FILE`` line: save the screen at the next prompt."""

    path: Path


InputItem = str | KeyPress | Screendump


def parse_input_line(line: str) -> InputItem:
    """A line to type at the next prompt, a KeyPress for ``@key NAME after S``, or a Screendump."""
    dump = re.fullmatch(r"@screendump\s+(\S.*?)\s*", line)
    if dump:
        return Screendump(Path(dump.group(1)))
    if re.match(r"@screendump\b", line):
        raise BuildError(f"bad input line {line!r}: expected '@screendump FILE'")
    if not re.match(r"@key\b", line):
        return line
    match = _KEY_LINE.fullmatch(line)
    if not match:
        raise BuildError(f"bad input line {line!r}: expected '@key NAME after SECONDS'")
    name, after = match.group(1).lower(), match.group(2)
    if name not in KEYS:
        raise BuildError(f"bad input line {line!r}: unknown key {name!r} (known: {', '.join(KEYS)})")
    try:
        seconds = float(after)
    except ValueError:
        raise BuildError(f"bad input line {line!r}: {after!r} is not a number of seconds") from None
    if not seconds >= 0:
        raise BuildError(f"bad input line {line!r}: the delay must be >= 0 seconds")
    return KeyPress(KEYS[name], seconds)


def strip_ansi(text: str) -> str:
    """The console text without terminal escape sequences (OVMF's terminal emits many)."""
    return _ANSI_RE.sub("", text)


def firmware_status(qemu_returncode: int) -> int | None:
    """Map QEMU's exit code to the firmware's status, or None if QEMU itself failed.

    isa-debug-exit makes QEMU exit with (v << 1) | 1, so odd codes carry the firmware's value;
    0 is a normal shutdown through ResetSystem. Even non-zero codes and signals are QEMU's own.
    """
    if qemu_returncode == 0:
        return 0
    if qemu_returncode > 0 and qemu_returncode & 1:
        return (qemu_returncode - 1) // 2
    return None


def count_prompts(console: str) -> int:
    return strip_ansi(console).count(PROMPT)


def has_cpu_exception(console: str) -> bool:
    return EXCEPTION_MARKER in console


def not_booted(console: str) -> bool:
    text = strip_ansi(console)
    return any(marker in text for marker in NOT_BOOTED_MARKERS)


@dataclass(frozen=True)
class Ovmf:
    code: Path
    vars: Path


# OVMF's Secure Boot build (SMM required), and the empty variable store it pairs with.
OVMF_SECBOOT_PAIRS = (
    ("OVMF_CODE_4M.secboot.fd", "OVMF_VARS_4M.fd"),
    ("OVMF_CODE.secboot.fd", "OVMF_VARS.fd"),
)


def find_ovmf_secboot(dirs: Iterable[str | Path] = OVMF_DIRS) -> Ovmf:
    """The Secure Boot OVMF code and its empty VARS template (enroll keys into a copy)."""
    for d in (Path(x) for x in dirs):
        for code, vars_ in OVMF_SECBOOT_PAIRS:
            if (d / code).is_file() and (d / vars_).is_file():
                return Ovmf(d / code, d / vars_)
    raise BuildError("OVMF with Secure Boot (OVMF_CODE_4M.secboot.fd) not found: apt-get install ovmf")


def find_ovmf(
    code: str | Path | None = None, vars_: str | Path | None = None, dirs: Iterable[str | Path] = OVMF_DIRS
) -> Ovmf:
    """Explicit paths win; otherwise the first matching CODE/VARS pair in the usual places."""
    if code and vars_:
        pair = Ovmf(Path(code), Path(vars_))
    elif code or vars_:
        raise BuildError("give both --ovmf-code and --ovmf-vars (they must come from the same build)")
    else:
        searched = [Path(d) for d in dirs]
        found = next(
            (
                Ovmf(d / c, d / v)
                for d in searched
                for c, v in OVMF_PAIRS
                if (d / c).is_file() and (d / v).is_file()
            ),
            None,
        )
        if found is None:
            where = ", ".join(str(d) for d in searched)
            raise BuildError(
                f"OVMF not found in {where}: install it (apt-get install ovmf) "
                "or pass --ovmf-code and --ovmf-vars"
            )
        pair = found
    for path in (pair.code, pair.vars):
        if not path.is_file():
            raise BuildError(f"OVMF file {path} not found")
    return pair


def qemu_command(
    image: Path | None,
    ovmf: Ovmf,
    vars_copy: Path,
    *,
    accel: str = "tcg",
    smp: int = 1,
    memory_mb: int = 2048,
    interactive: bool = False,
    qemu: str = "qemu-system-x86_64",
    secure_boot: bool = False,
    qmp: Path | None = None,
    vga: str = "std",
) -> list[str]:
    # mon:stdio multiplexes the monitor on the terminal (Ctrl-A X quits); headless runs get a
    # plain serial on stdio and no monitor so nothing typed can be taken as a monitor command.
    serial = ["-serial", "mon:stdio"] if interactive else ["-serial", "stdio", "-monitor", "none"]
    # Secure Boot needs SMM so that only firmware code can write the key variables, and the
    # secure flash that goes with it (OVMF's secboot build refuses to start without them).
    machine = "q35,smm=on" if secure_boot else "q35"
    secure_flash = ["-global", "driver=cfi.pflash01,property=secure,value=on"] if secure_boot else []
    return [
        qemu,
        "-machine",
        machine,
        *secure_flash,
        "-cpu",
        "max",
        "-accel",
        accel,
        "-smp",
        str(smp),
        "-m",
        str(memory_mb),
        "-drive",
        f"if=pflash,format=raw,readonly=on,file={ovmf.code}",
        "-drive",
        f"if=pflash,format=raw,file={vars_copy}",
        # snapshot=on: writes go to a temporary overlay, so tests never modify the image.
        *(["-drive", f"format=raw,file={image},snapshot=on"] if image is not None else []),
        "-device",
        f"isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04",
        "-nic",
        "none",  # no PXE attempts before the disk
        # No window, but the std VGA device stays: OVMF's GOP draws on it and screendump reads it.
        # vga="none" leaves the machine without a display adapter: no GOP, ConOut on serial only.
        "-vga",
        vga,
        "-display",
        "none",
        *(["-qmp", f"unix:{qmp},server=on,wait=off"] if qmp is not None else []),
        *serial,
        "-no-reboot",
    ]


MAX_DEFAULT_SMP = 8
# How long the KVM probe waits for OVMF's first serial output (it comes within ~1 s under KVM).
KVM_PROBE_SECONDS = 10.0


def default_smp() -> int:
    return max(1, min(MAX_DEFAULT_SMP, len(os.sched_getaffinity(0))))


def kvm_unusable_reason(ovmf: Ovmf, qemu: str = "qemu-system-x86_64") -> str | None:
    """None when KVM works here; else why not. Opening /dev/kvm is not enough: under nested
    virtualisation KVM can open and then fail on the first guest instructions ("KVM internal
    error", or an abort setting MSRs), so OVMF is booted briefly without a disk and must print."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as err:
        return f"/dev/kvm: {err.strerror}"
    os.close(fd)
    with tempfile.TemporaryDirectory(prefix="llmbm-kvm-probe-") as tmp:
        vars_copy = Path(tmp) / "OVMF_VARS.fd"
        shutil.copyfile(ovmf.vars, vars_copy)
        command = qemu_command(None, ovmf, vars_copy, accel="kvm", memory_mb=256, qemu=qemu)
        proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert proc.stdout and proc.stderr
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ, "out")
        sel.register(proc.stderr, selectors.EVENT_READ, "err")
        deadline = time.monotonic() + KVM_PROBE_SECONDS
        printed = False
        errors = ""
        try:
            # Until OVMF prints, QEMU dies, or KVM reports an error (QEMU then pauses, not exits).
            while not printed and "KVM internal error" not in errors and time.monotonic() < deadline:
                events = sel.select(timeout=0.1)
                for key, _ in events:
                    chunk = os.read(key.fd, 4096)
                    if not chunk:
                        sel.unregister(key.fileobj)
                    elif key.data == "out":
                        printed = True
                    else:
                        errors += chunk.decode(errors="replace")
                if not sel.get_map() or (not events and proc.poll() is not None):
                    break
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            sel.close()
            proc.stdout.close()
            errors += proc.stderr.read().decode(errors="replace")
            proc.stderr.close()
    if "KVM internal error" in errors or (not printed and errors.strip()):
        first = next((line for line in errors.splitlines() if line.strip()), "")
        return f"a probe boot under KVM failed: {first.strip()}"
    if not printed:
        return f"a probe boot under KVM printed nothing in {KVM_PROBE_SECONDS:g} s"
    return None


def choose_accel(accel: str, ovmf: Ovmf, qemu: str, log=None) -> str:
    """The accelerator to use for `accel` ("auto", "tcg" or "kvm")."""
    if accel != "auto":
        return accel
    reason = kvm_unusable_reason(ovmf, qemu)
    if reason is None:
        return "kvm"
    print(
        f"llmbm-qemu: using TCG (software emulation: answers will be slow); KVM is not usable: {reason}",
        file=log if log is not None else sys.stderr,
    )
    return "tcg"


class Runner:
    """Drives one headless QEMU: echoes its console, types the input lines, enforces timeouts."""

    def __init__(
        self,
        command: Sequence[str],
        lines: Sequence[InputItem],
        timeout: float,
        out=None,
        qmp: Path | None = None,
    ) -> None:
        self.command = list(command)
        self.qmp = qmp
        self.lines = list(lines)
        self.timeout = timeout
        self.out = out if out is not None else sys.stdout.buffer
        self.console = ""
        self.stderr = b""

    def _emit(self, data: bytes) -> None:
        self.out.write(data)
        self.out.flush()
        self.console += data.decode("utf-8", errors="replace")

    def run(self) -> int:
        proc = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert proc.stdin and proc.stdout and proc.stderr
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ, "out")
        sel.register(proc.stderr, selectors.EVENT_READ, "err")
        deadline = time.monotonic() + self.timeout
        pending = list(self.lines)
        prompts_used = 0  # prompts already answered with a line
        last_sent = time.monotonic()  # when the previous input line was typed
        last_output = time.monotonic()
        exception_at: float | None = None
        refused_at: float | None = None
        open_streams = 2
        try:
            while open_streams:
                now = time.monotonic()
                if now >= deadline:
                    print(f"\nllmbm-qemu: timeout after {self.timeout:g} s", file=sys.stderr)
                    return EXIT_TIMEOUT
                if exception_at is not None and now - exception_at > 1.0:
                    # One second is enough for OVMF's register dump to arrive for the log.
                    print("\nllmbm-qemu: the firmware hit a CPU exception", file=sys.stderr)
                    return EXIT_CPU_EXCEPTION
                for key, _ in sel.select(timeout=0.05):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        sel.unregister(key.fileobj)
                        open_streams -= 1
                    elif key.data == "out":
                        self._emit(chunk)
                        last_output = time.monotonic()
                    else:
                        self.stderr += chunk
                        sys.stderr.buffer.write(chunk)
                        sys.stderr.flush()
                if exception_at is None and has_cpu_exception(self.console):
                    exception_at = time.monotonic()
                if refused_at is None and not_booted(self.console):
                    refused_at = time.monotonic()
                if refused_at is not None and time.monotonic() - refused_at > 1.0:
                    print("\nllmbm-qemu: the firmware booted nothing", file=sys.stderr)
                    return EXIT_NOT_BOOTED
                now = time.monotonic()
                if pending and isinstance(pending[0], KeyPress):
                    # Not at a prompt: a key pressed while the firmware is busy.
                    if now - last_sent >= pending[0].after:
                        self._send(proc, pending.pop(0).data)
                        last_sent = time.monotonic()
                    continue
                quiet = now - last_output >= PROMPT_SETTLE
                if pending and isinstance(pending[0], Screendump):
                    # At a fresh prompt, like a typed line, but the prompt stays unused.
                    if quiet and count_prompts(self.console) > prompts_used:
                        self._screendump(pending.pop(0).path)
                    continue
                if pending and quiet and count_prompts(self.console) > prompts_used:
                    prompts_used = count_prompts(self.console)
                    line = pending.pop(0)
                    assert isinstance(line, str)
                    self._type(proc, line)
                    last_sent = time.monotonic()
            returncode = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"\nllmbm-qemu: timeout after {self.timeout:g} s", file=sys.stderr)
            return EXIT_TIMEOUT
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if has_cpu_exception(self.console):
            print("\nllmbm-qemu: the firmware hit a CPU exception", file=sys.stderr)
            return EXIT_CPU_EXCEPTION
        return self._status(returncode)

    def _send(self, proc: subprocess.Popen, data: bytes) -> bool:
        assert proc.stdin
        try:
            proc.stdin.write(data)
            proc.stdin.flush()
        except BrokenPipeError:
            return False
        return True

    def _type(self, proc: subprocess.Popen, line: str) -> None:
        # A serial terminal sends CR for Enter.
        for char in line.rstrip("\r\n") + "\r":
            if not self._send(proc, char.encode()):
                return
            time.sleep(KEY_DELAY)

    def _screendump(self, path: Path) -> None:
        if self.qmp is None:
            raise BuildError("@screendump needs QEMU started with a QMP socket")
        qmp_screendump(self.qmp, path)

    def _status(self, returncode: int) -> int:
        status = firmware_status(returncode)
        # QEMU reports its own errors with exit 1, which would read as "firmware status 0".
        # Tell them apart by QEMU's message on stderr.
        qemu_error = returncode == 1 and b"qemu-system" in self.stderr
        if status is None or qemu_error:
            print(f"\nllmbm-qemu: QEMU failed (exit code {returncode})", file=sys.stderr)
            return EXIT_QEMU_FAILED
        return status


def qmp_screendump(socket_path: Path, image: Path, timeout: float = 30.0) -> None:
    """Save QEMU's screen to `image` (PPM) through the QMP socket; returns once QEMU wrote it."""
    with socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(socket_path))
        stream = sock.makefile("rwb")

        def reply() -> dict:
            while True:  # skip the greeting's and asynchronous events' lines
                line = stream.readline()
                if not line:
                    raise BuildError("QMP closed the connection")
                message = json.loads(line)
                if "return" in message or "error" in message:
                    return message

        json.loads(stream.readline())  # the greeting
        for command in (
            {"execute": "qmp_capabilities"},
            {"execute": "screendump", "arguments": {"filename": str(Path(image).resolve())}},
        ):
            stream.write(json.dumps(command).encode() + b"\n")
            stream.flush()
            answer = reply()
            if "error" in answer:
                raise BuildError(f"QMP {command['execute']}: {answer['error'].get('desc', answer)}")


def read_input_lines(path: Path) -> list[InputItem]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise BuildError(f"cannot read input file {path}: {err.strerror}") from err
    return [parse_input_line(line) for line in lines]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llmbm-qemu", description="Boot an llm-baremetal image in QEMU.")
    parser.add_argument("image", type=Path)
    parser.add_argument("--input", type=Path, help="lines to type into the REPL, one per prompt")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before giving up (exit 124)")
    parser.add_argument("--smp", type=int, default=0, help="guest cores (default: the host's, up to 8)")
    parser.add_argument("--accel", choices=("auto", "tcg", "kvm"), default="auto")
    parser.add_argument(
        "--memory", type=int, default=0, help="guest RAM in MiB (default: what the image's model needs)"
    )
    parser.add_argument("--ovmf-code", default="")
    parser.add_argument("--ovmf-vars", default="")
    parser.add_argument("--qemu", default="qemu-system-x86_64", help="QEMU binary")
    parser.add_argument("--interactive", action="store_true", help="console on this terminal")
    parser.add_argument(
        "--vga",
        choices=("std", "none"),
        default="std",
        help="display adapter: std (OVMF's GOP, the framebuffer console) or none (text console only)",
    )
    parser.add_argument(
        "--secure-boot",
        action="store_true",
        help="boot OVMF's Secure Boot build (SMM, TCG); --ovmf-vars names a store with keys enrolled",
    )
    args = parser.parse_args(argv)
    try:
        if not args.image.is_file():
            raise BuildError(f"image {args.image} not found (build it with: ninja -C build image)")
        if shutil.which(args.qemu) is None:
            raise BuildError(f"{args.qemu} not found: apt-get install qemu-system-x86")
        if args.secure_boot:
            if not args.ovmf_vars:
                raise BuildError(
                    "--secure-boot needs --ovmf-vars: a store with keys (llmbm_build.secureboot_vars)"
                )
            ovmf = Ovmf(
                Path(args.ovmf_code) if args.ovmf_code else find_ovmf_secboot().code, Path(args.ovmf_vars)
            )
            for path in (ovmf.code, ovmf.vars):
                if not path.is_file():
                    raise BuildError(f"OVMF file {path} not found")
        else:
            ovmf = find_ovmf(args.ovmf_code or None, args.ovmf_vars or None)
        scripted_stdin = args.interactive and not sys.stdin.isatty()
        if args.input:
            lines = read_input_lines(args.input)
        elif scripted_stdin:
            lines = [parse_input_line(line) for line in sys.stdin.read().splitlines()]
        else:
            lines = []
    except BuildError as err:
        print(f"llmbm-qemu: error: {err}", file=sys.stderr)
        return EXIT_QEMU_FAILED
    interactive = args.interactive and not scripted_stdin
    smp = args.smp or default_smp()
    memory = args.memory or image_memory_mib(args.image)
    accel = choose_accel(args.accel, ovmf, args.qemu)
    with tempfile.TemporaryDirectory(prefix="llmbm-qemu-") as tmp:
        # OVMF writes its variable store; each run gets a private copy of the template.
        vars_copy = Path(tmp) / "OVMF_VARS.fd"
        shutil.copyfile(ovmf.vars, vars_copy)
        qmp = Path(tmp) / "qmp.sock" if any(isinstance(item, Screendump) for item in lines) else None
        command = qemu_command(
            args.image.resolve(),
            ovmf,
            vars_copy,
            accel=accel,
            smp=smp,
            memory_mb=memory,
            interactive=interactive,
            qemu=args.qemu,
            secure_boot=args.secure_boot,
            qmp=qmp,
            vga=args.vga,
        )
        if interactive:
            print("llmbm-qemu: Ctrl-A X quits QEMU", file=sys.stderr)
            returncode = subprocess.call(command)
            status = firmware_status(returncode)
            return EXIT_QEMU_FAILED if status is None else status
        return Runner(command, lines, args.timeout, qmp=qmp).run()


if __name__ == "__main__":
    sys.exit(main())
