"""The soak's short version (llmbm_build.soak; README "Reliability" has the 200-turn command):
SmolLM2-135M-Instruct in `llmbm repl`, driven only through stdin and stdout, for enough turns at a
small context that it wraps several times. Every turn must be answered, the memory in use must
stay the same from the third turn on, and the session must end normally."""

from __future__ import annotations

from pathlib import Path

from llmbm_build.soak import parse, run, verdict, wraps

TURNS = 10


def test_a_short_soak_wraps_the_context_with_flat_memory(llmbm: Path, smollm2: Path) -> None:
    status, console, stderr = run(llmbm, smollm2, TURNS, ctx=128, max_tokens=16, timeout=600, transcript=None)
    turns = parse(console, TURNS)
    assert len(turns) == TURNS
    problems = verdict(status, turns, flat_from=3)
    assert not problems, "\n".join(problems) + "\n" + console[-3000:] + stderr[-2000:]
    assert wraps(turns) >= 2, [(t.kept, t.since_reset) for t in turns]
    assert all(t.used_kb > 50 * 1024 for t in turns), "the model's memory counts in the figure"
