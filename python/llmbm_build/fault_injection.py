"""Fault injection over the hosted REPL: every allocation and every read of a model load and of
a chat turn made to fail, one per run, in an ASan + UBSan build of llmbm.

    python3 -m llmbm_build.fault_injection LLMBM_ASAN VOLUME FIRST SECOND [--stride N]
        [--kind alloc,read,read_at] [--sample K]

VOLUME is a directory the REPL boots from, holding FIRST (the model repl.cfg loads at boot) and
SECOND (a model loaded with /load). The script typed in every run:

    Q1            a question to FIRST (chatml, greedy)
    /ctx          the conversation so far
    /load SECOND
    /ctx
    Q2            answered by whichever model is loaded
    /ctx

First, runs with LLMBM_FAULT_COUNT=1 count the plat_alloc and plat_read calls after each line,
which splits the calls into phases: the boot load, the Q1 turn, the /load, the Q2 turn. Then for
every call N (or every --stride-th, with each phase's first and last), a run with
LLMBM_FAIL_ALLOC=N (LLMBM_FAIL_READ=N) must:

* end normally (status 0: no crash, no ASan or UBSan report, no leak at exit: LeakSanitizer);
* say so where the fault hit: the reply of the line in whose phase N lies differs from the
  fault-free run's and names the problem (memory, a read);
* run every later line (each gets its prompt);
* when N lies in the /load: leave FIRST and the conversation as they were: the /ctx after the
  /load and Q2's answer are those of a run whose /load names a missing file.

Exit status 0 when every run passes; the failures are listed, each with the command that
reproduces it.

Kind read_at fails a read by where it is in SECOND rather than by its rank: with
LLMBM_FAIL_READ_AT=B and LLMBM_FAIL_READ_PATH=SECOND the first read of SECOND that covers byte B
fails. B runs over every boundary of SECOND's layout (read_offsets: the header's fields, each
metadata entry's first and last byte, each tensor's info and its data's first and last byte,
the file's last byte) plus K offsets drawn from the whole file. Its phase is the /load; a byte
no read covers (alignment padding) changes nothing, which the same checks then demand."""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROMPT = "llmbm> "
ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")
# Speeds and times differ between any two runs; nothing else in a transcript should.
TIMING = re.compile(r"\d+(\.\d+)? (tok/s|ms|MB/s|s)\b")
# The REPL's memory budget: /ctx's free memory is then this less what plat_alloc holds, exactly,
# so the /ctx after a failed /load also shows whether the failure left anything behind.
MEMORY_MB = "4096"
Q1 = "Once upon a time"
Q2 = "Tom went to the park"
# What a message about a failed allocation or read says.
PROBLEM = re.compile(r"out of memory|no memory|read error|cannot read|not loaded|failed", re.I)
SANITIZERS = {
    "ASAN_OPTIONS": "detect_leaks=1:exitcode=86:abort_on_error=0",
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
}


def read_offsets(path: Path, sample: int = 0, seed: int = 1) -> list[int]:
    """Byte offsets of SECOND worth failing a read at: its layout's boundaries (a GGUF's, when
    the gguf package can read it) and `sample` more drawn from the whole file."""
    size = path.stat().st_size
    picked = {0, size - 1} if size else set()
    if path.suffix == ".gguf":
        from gguf import GGUFReader

        reader = GGUFReader(path)
        for field in reader.fields.values():
            end = field.offset + sum(int(part.nbytes) for part in field.parts)
            picked |= {field.offset, end - 1}
        for tensor in reader.tensors:
            picked |= {tensor.field.offset, tensor.data_offset, tensor.data_offset + tensor.n_bytes - 1}
    rng = random.Random(seed)
    picked |= {rng.randrange(size) for _ in range(sample)} if size else set()
    return sorted(o for o in picked if 0 <= o < size)


def script(second: str) -> list[str]:
    return [Q1, "/ctx", f"/load {second}", "/ctx", Q2, "/ctx"]


@dataclass
class Run:
    status: int
    console: str
    stderr: str

    def replies(self) -> list[str]:
        """What each typed line got, in order (the text after each prompt, the line included)."""
        return self.console.split(PROMPT)[1:]


@dataclass
class Case:
    kind: str  # "alloc", "read" or "read_at"
    n: int  # the call to fail (read_at: the byte of SECOND)
    phase: int  # index of the script line whose reply should carry the message; -1: the boot


def run_repl(exe: Path, volume: Path, lines: Sequence[str], env: dict[str, str], timeout: float = 600) -> Run:
    full = {**os.environ, **SANITIZERS, **env}
    res = subprocess.run(
        [str(exe), "repl", str(volume), "--isa", "sse2", "--memory", MEMORY_MB],
        input="".join(line + "\n" for line in lines).encode(),
        capture_output=True,
        env=full,
        timeout=timeout,
    )
    console = TIMING.sub("#", ANSI.sub("", res.stdout.decode("utf-8", "replace")).replace("\r", ""))
    return Run(res.returncode, console, res.stderr.decode("utf-8", "replace"))


def counts(exe: Path, volume: Path, lines: Sequence[str]) -> tuple[int, int]:
    run = run_repl(exe, volume, lines, {"LLMBM_FAULT_COUNT": "1"})
    m = re.search(r"llmbm faults: (\d+) allocations, (\d+) reads", run.stderr)
    if run.status != 0 or not m:
        raise SystemExit(f"fault_injection: counting run failed (status {run.status}):\n{run.stderr}")
    return int(m.group(1)), int(m.group(2))


def phase_bounds(exe: Path, volume: Path, lines: Sequence[str]) -> dict[str, list[int]]:
    """Per kind, the call counts after the boot and after each line: bounds[k][i] calls were
    made by the end of line i - 1 (i = 0: the boot)."""
    per_prefix = [counts(exe, volume, lines[:i]) for i in range(len(lines) + 1)]
    return {"alloc": [c[0] for c in per_prefix], "read": [c[1] for c in per_prefix]}


def phase_of(bounds: list[int], n: int) -> int:
    """The script line during which call n happens (-1: the boot)."""
    for i, upto in enumerate(bounds):
        if n <= upto:
            return i - 1
    return len(bounds) - 2


def choose(bounds: list[int], stride: int) -> list[int]:
    """Every stride-th call, plus the first and last call of each phase."""
    picked = set(range(1, bounds[-1] + 1, stride))
    lo = 0
    for upto in bounds:
        if upto > lo:
            picked |= {lo + 1, upto}
        lo = upto
    return sorted(picked)


def says_problem(reply: str, clean_reply: str) -> bool:
    """A line the fault-free run did not print names a memory or read problem."""
    clean_lines = set(clean_reply.splitlines())
    return any(PROBLEM.search(line) for line in reply.splitlines() if line not in clean_lines)


def _no_memory(reply: str) -> str:
    """A reply without /ctx's memory line: a failure a fallback absorbed (a scratch buffer not
    kept, say) may leave a different amount of memory in use, and that is no fault."""
    return re.sub(r"^memory: .*$", "", reply, flags=re.M)


def reported_problem(case: Case, run: Run, clean: Run) -> bool:
    """Whether the reply of the fault's phase (the boot's console for -1) names a problem."""
    if case.phase < 0:
        return says_problem(run.console.split(PROMPT)[0], clean.console.split(PROMPT)[0])
    replies, clean_replies = run.replies(), clean.replies()
    if case.phase >= len(replies):
        return False
    return says_problem(replies[case.phase], clean_replies[case.phase])


def check(case: Case, run: Run, clean: Run, missing: Run, lines: Sequence[str]) -> list[str]:
    """What is wrong with a faulted run, [] if nothing."""
    bad: list[str] = []
    if run.status != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-12:])
        bad.append(f"status {run.status}\n{tail}")
        return bad
    replies, clean_replies = run.replies(), clean.replies()
    if len(replies) != len(lines) + 1:
        bad.append(f"{len(replies)} prompts for {len(lines)} lines: the session did not go on to its end")
        return bad
    load_line = next(i for i, line in enumerate(lines) if line.startswith("/load "))
    reported = reported_problem(case, run, clean)
    if reported and case.phase == load_line:
        # A failed /load: the earlier model and its conversation exactly as they were (the
        # missing-file run's), the memory in use included: nothing the load took stays held.
        kept = missing.replies()
        for i in range(load_line + 1, len(lines)):
            if replies[i] != kept[i]:
                bad.append(f"after the failed /load, {lines[i]!r} gave\n{replies[i]}\ninstead of\n{kept[i]}")
    elif not reported:
        # Nothing reported: a fallback took over (a probe read that failed, then the whole file
        # read another way; a scratch buffer not had), so every later line must go as in the
        # fault-free run (memory in use aside).
        for i in range(case.phase + 1, len(lines)):
            if _no_memory(replies[i]) != _no_memory(clean_replies[i]):
                bad.append(
                    f"nothing reported, yet {lines[i]!r} gave\n{replies[i]}\ninstead of\n{clean_replies[i]}"
                )
                break
    return bad


@dataclass
class Outcome:
    bounds: dict[str, list[int]]  # per kind, calls after the boot and after each line
    runs: int
    failures: list[str]  # one report per failed run, with the variable that reproduces it
    reported: int = 0  # runs whose fault was met and named (the others: no read/call reached it)


def inject(
    exe: Path,
    volume: Path,
    first: str,
    second: str,
    stride: int,
    kinds: Sequence[str],
    max_tokens: int = 12,
    log: bool = False,
    offsets: Sequence[int] = (),
) -> Outcome:
    """Writes VOLUME/repl.cfg, counts the calls, then fails each chosen one in turn (kind
    read_at: a read of SECOND at each of `offsets`)."""
    (volume / "repl.cfg").write_text(f"model={first}\ntemplate=chatml\ntemp=0\nmax_tokens={max_tokens}\n")
    lines = script(second)
    bounds = phase_bounds(exe, volume, lines)
    clean = run_repl(exe, volume, lines, {})
    missing = run_repl(exe, volume, script("missing-model.gguf"), {})
    for name, r in (("fault-free", clean), ("missing-model", missing)):
        if r.status != 0:
            raise SystemExit(f"fault_injection: the {name} run failed (status {r.status}):\n{r.stderr}")
    outcome = Outcome(bounds, 0, [])
    for kind in kinds:
        if kind == "read_at":
            read_at(exe, volume, lines, second, offsets, clean, missing, outcome, log)
            continue
        b = bounds[kind]
        if log:
            phases = ", ".join(
                f"{(['boot'] + lines)[i]} {b[i] - (b[i - 1] if i else 0)}" for i in range(len(b))
            )
            print(f"{kind}: {b[-1]} calls ({phases})", flush=True)
        var = "LLMBM_FAIL_ALLOC" if kind == "alloc" else "LLMBM_FAIL_READ"
        for n in choose(b, stride):
            case = Case(kind, n, phase_of(b, n))
            env = {var: str(n)}
            record(case, env, run_repl(exe, volume, lines, env), clean, missing, lines, outcome, log)
    return outcome


def record(
    case: Case,
    env: dict[str, str],
    run: Run,
    clean: Run,
    missing: Run,
    lines: Sequence[str],
    outcome: Outcome,
    log: bool,
) -> None:
    """Checks one faulted run and adds it to the outcome (with its report when it failed)."""
    problems = check(case, run, clean, missing, lines)
    outcome.runs += 1
    outcome.reported += run.status == 0 and reported_problem(case, run, clean)
    if problems:
        where = (["boot"] + list(lines))[case.phase + 1]
        variables = " ".join(f"{k}={v}" for k, v in env.items())
        report = f"FAIL {variables} (during {where!r}):\n    " + "\n".join(problems).replace("\n", "\n    ")
        outcome.failures.append(report)
        if log:
            print(report, flush=True)


def read_at(
    exe: Path,
    volume: Path,
    lines: Sequence[str],
    second: str,
    offsets: Sequence[int],
    clean: Run,
    missing: Run,
    outcome: Outcome,
    log: bool,
) -> None:
    """One run per offset of SECOND, its first read covering that byte failed (during /load)."""
    load_line = next(i for i, line in enumerate(lines) if line.startswith("/load "))
    if log:
        print(f"read_at: {len(offsets)} offsets of {second}", flush=True)
    for offset in offsets:
        env = {"LLMBM_FAIL_READ_AT": str(offset), "LLMBM_FAIL_READ_PATH": second}
        case = Case("read_at", offset, load_line)
        record(case, env, run_repl(exe, volume, lines, env), clean, missing, lines, outcome, log)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python3 -m llmbm_build.fault_injection", description=__doc__.split("\n")[0]
    )
    ap.add_argument("llmbm", type=Path, help="an ASan build of llmbm (B/tests/repl/llmbm-asan)")
    ap.add_argument("volume", type=Path)
    ap.add_argument("first", help="model loaded at boot (repl.cfg is written to name it)")
    ap.add_argument("second", help="model loaded with /load")
    ap.add_argument("--stride", type=int, default=1, help="every N-th call (1: all)")
    ap.add_argument("--kind", default="alloc,read,read_at")
    ap.add_argument("--sample", type=int, default=64, help="read_at: offsets drawn at random")
    ap.add_argument("--max-tokens", type=int, default=12)
    args = ap.parse_args(argv)
    out = inject(
        args.llmbm,
        args.volume,
        args.first,
        args.second,
        args.stride,
        args.kind.split(","),
        args.max_tokens,
        log=True,
        offsets=read_offsets(args.volume / args.second, args.sample),
    )
    print(f"fault_injection: {out.runs} runs ({out.reported} said what failed), {len(out.failures)} failed")
    return 1 if out.failures else 0


if __name__ == "__main__":
    sys.exit(main())
