"""Soak: a long scripted chat in the hosted REPL, checked turn by turn from outside.

    python3 -m llmbm_build.soak LLMBM MODEL [--turns 200] [--ctx 512] [--max-tokens 48] [--flat-from 10]
        [--transcript FILE]

Runs `LLMBM repl VOLUME -m MODEL --memory MB` with every line on stdin: TURNS questions, each
followed by /ctx. The REPL is driven only through stdin and stdout, so the check does not depend
on how it feeds prompts. With --memory the free memory /ctx prints is MB less what plat_alloc
holds, exactly, so its changes are the memory in use. Passes when:

* every turn is answered: its reply ends in the stats line with at least one answer token, and
  no line says error, out of memory or does not fit;
* the context wraps (the turns kept fall while the turns since /reset grow) at least once;
* the memory in use is the same after every turn from --flat-from on;
* the session ends normally.

Prints one line per turn (answer tokens, context, turns kept, memory in use) and a summary."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROMPT = "llmbm> "
ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")
MEMORY_MB = 2048
TOPICS = [
    "What is the capital of France?",
    "Name three colours of the rainbow.",
    "Why is the sky blue?",
    "Write one sentence about the sea.",
    "What do bees make?",
    "How many legs does a spider have?",
    "Give me a word that rhymes with cat.",
    "What is two plus three?",
    "Tell me a fact about the Moon.",
    "What is a good name for a dog?",
    "Which is bigger, a mouse or a horse?",
    "Say hello in Spanish.",
]
STATS = re.compile(r"^-- prompt (\d+) tokens.*\| answer (\d+) tokens.*\| context (\d+)/(\d+)", re.M)
KEPT = re.compile(r"(\d+) turns? kept \((\d+) since /reset\)")
FREE = re.compile(r"^memory: (\d+) KB free", re.M)
BAD = re.compile(r"error|out of memory|does not fit", re.I)


@dataclass
class Turn:
    number: int
    answer_tokens: int
    context: int
    kept: int
    since_reset: int
    used_kb: int
    problem: str


def questions(turns: int) -> list[str]:
    return [f"{TOPICS[i % len(TOPICS)]} (question {i + 1})" for i in range(turns)]


def run(
    llmbm: Path, model: Path, turns: int, ctx: int, max_tokens: int, timeout: float, transcript: Path | None
) -> tuple[int, str, str]:
    """The session's status, console and stderr; the console is also written to `transcript` as
    it comes (a long soak can be watched with tail -f)."""
    with tempfile.TemporaryDirectory(prefix="llmbm-soak-") as vol:
        Path(vol, "repl.cfg").write_text(f"ctx={ctx}\nmax_tokens={max_tokens}\ntemp=0\n")
        lines = []
        for q in questions(turns):
            lines += [q, "/ctx"]
        out_path = transcript or Path(vol, "transcript.txt")
        with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
            res = subprocess.run(
                [str(llmbm), "repl", vol, "-m", str(model.resolve()), "--memory", str(MEMORY_MB)],
                input="".join(line + "\n" for line in lines).encode(),
                stdout=out,
                stderr=err,
                timeout=timeout,
            )
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
        stdout = out_path.read_bytes()
    console = ANSI.sub("", stdout.decode("utf-8", "replace")).replace("\r", "")
    return res.returncode, console, stderr


def parse(console: str, turns: int) -> list[Turn]:
    """The turns of a soak transcript: each question's reply, then its /ctx's."""
    replies = console.split(PROMPT)[1:]
    out = []
    for i in range(turns):
        answer = replies[2 * i] if 2 * i < len(replies) else ""
        ctx = replies[2 * i + 1] if 2 * i + 1 < len(replies) else ""
        stats, kept, free = STATS.search(answer), KEPT.search(ctx), FREE.search(ctx)
        problem = ""
        if not stats:
            problem = "no stats line: not answered"
        elif int(stats.group(2)) < 1:
            problem = "an empty answer"
        elif BAD.search(answer):
            problem = "a problem reported: " + BAD.search(answer).group(0)
        elif not (kept and free):
            problem = "/ctx did not show the turns kept and the memory"
        used = MEMORY_MB * 1024 - int(free.group(1)) if free else -1
        out.append(
            Turn(
                i + 1,
                int(stats.group(2)) if stats else 0,
                int(stats.group(3)) if stats else 0,
                int(kept.group(1)) if kept else 0,
                int(kept.group(2)) if kept else 0,
                used,
                problem,
            )
        )
    return out


def wraps(turns: list[Turn]) -> int:
    """Times the context dropped old turns: fewer kept than one more than before."""
    pairs = zip(turns, turns[1:], strict=False)
    return sum(1 for a, b in pairs if b.kept <= a.kept and b.since_reset > a.since_reset)


def verdict(status: int, turns: list[Turn], flat_from: int) -> list[str]:
    bad = [f"turn {t.number}: {t.problem}" for t in turns if t.problem]
    if status != 0:
        bad.append(f"status {status}")
    if not wraps(turns):
        bad.append("the context never wrapped: more turns, a smaller ctx or longer answers")
    late = {t.used_kb for t in turns[flat_from - 1 :]}
    if len(late) > 1:
        bad.append(f"memory in use from turn {flat_from} on is not flat: {min(late)}..{max(late)} KB")
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m llmbm_build.soak", description=__doc__.split("\n")[0])
    ap.add_argument("llmbm", type=Path)
    ap.add_argument("model", type=Path)
    ap.add_argument("--turns", type=int, default=200)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--max-tokens", type=int, default=48)
    ap.add_argument("--flat-from", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=7200)
    ap.add_argument("--transcript", type=Path, help="write the console here as it comes")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    status, console, stderr = run(
        args.llmbm, args.model, args.turns, args.ctx, args.max_tokens, args.timeout, args.transcript
    )
    turns = parse(console, args.turns)
    for t in turns:
        print(
            f"turn {t.number:3}: answer {t.answer_tokens:3} tokens, context {t.context:4}, "
            f"{t.kept} turns kept ({t.since_reset} since /reset), memory in use {t.used_kb} KB {t.problem}"
        )
    bad = verdict(status, turns, args.flat_from)
    used = [t.used_kb for t in turns[args.flat_from - 1 :]]
    print(
        f"soak: {len(turns)} turns in {time.monotonic() - t0:.0f} s, {wraps(turns)} context wraps, "
        f"memory in use from turn {args.flat_from}: {min(used)}..{max(used)} KB; "
        + ("OK" if not bad else "FAILED")
    )
    for b in bad:
        print("  " + b)
    if bad and stderr:
        print(stderr[-2000:], file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
