"""The "Kernels:" line that `llmbm` (stderr) and the firmware's REPL print when a model is
prepared: which kernel level won the measurement, and each level's estimated kernel time per
token. Shared by the python and boot suites."""

from __future__ import annotations

import re
from dataclasses import dataclass

MEASURED = re.compile(
    r"^Kernels: (\w+), ([\d.]+)x faster than (\w+) here \((.+?): estimated kernel time per token "
    r"on one core, timed in ([\d.]+) ms\)$",
    re.M,
)
TIMING = re.compile(r"^(\w+) ([\d.]+) ms$")


@dataclass
class KernelsChoice:
    chosen: str
    ratio: float
    runner_up: str
    timings: dict[str, float]  # level -> estimated ms per token, in the printed order
    cost_ms: float


def parse_measured(text: str) -> KernelsChoice:
    """The last measured Kernels line in `text` (fails the test if there is none)."""
    found = list(MEASURED.finditer(text))
    assert found, f"no measured Kernels line in:\n{text}"
    m = found[-1]
    timings: dict[str, float] = {}
    for part in m.group(4).split(", "):
        t = TIMING.match(part)
        assert t, f"timing {part!r} in {m.group(0)!r}"
        timings[t.group(1)] = float(t.group(2))
    return KernelsChoice(m.group(1), float(m.group(2)), m.group(3), timings, float(m.group(5)))


def assert_fastest_chosen(choice: KernelsChoice) -> None:
    """The chosen level is one with the smallest printed time, the runner-up the smallest of
    the others, and the ratio theirs (up to the printed rounding)."""
    t = choice.timings
    assert len(t) >= 2 and choice.chosen in t and choice.runner_up in t, choice
    assert t[choice.chosen] == min(t.values()), choice
    others = {k: v for k, v in t.items() if k != choice.chosen}
    assert t[choice.runner_up] == min(others.values()), choice
    expected = t[choice.runner_up] / t[choice.chosen] if t[choice.chosen] else 1.0
    assert abs(choice.ratio - expected) <= 0.05 * expected + 0.06, choice
