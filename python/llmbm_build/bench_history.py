"""The benchmark's memory: one JSON line per run in a history file, and the figures of a new run
that fall more than a given share below the median of their last few runs.

A figure is keyed by name (e.g. ``tinyllama-1.1b q4_0 tg``); each run's line holds the time, the
run's settings and ``{name: value}``. Only earlier runs with the same settings (threads, token
counts) are compared: a 2-thread figure says nothing about a 1-thread one.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from llmbm_build import BuildError


def read(path: Path) -> list[dict[str, Any]]:
    """Every run in the history file (none when it does not exist yet)."""
    if not path.exists():
        return []
    runs = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            run = json.loads(line)
        except json.JSONDecodeError as err:
            raise BuildError(f"{path}:{number}: not a JSON line ({err.msg})") from err
        if not isinstance(run, dict) or not isinstance(run.get("figures"), dict):
            raise BuildError(f"{path}:{number}: a run needs a 'figures' object")
        runs.append(run)
    return runs


def append(path: Path, settings: dict[str, Any], figures: dict[str, float]) -> None:
    """Adds this run as one line."""
    with path.open("a") as f:
        f.write(json.dumps({"time": int(time.time()), "settings": settings, "figures": figures}) + "\n")


def regressions(
    history: list[dict[str, Any]],
    settings: dict[str, Any],
    figures: dict[str, float],
    window: int = 5,
    drop: float = 0.10,
) -> list[str]:
    """A line for each figure more than `drop` below the median of its last `window` values in
    earlier runs with the same settings."""
    same = [run for run in history if run.get("settings") == settings]
    flagged = []
    for name, value in figures.items():
        past = [float(run["figures"][name]) for run in same if name in run["figures"]][-window:]
        if not past:
            continue
        median = statistics.median(past)
        if median > 0 and value < (1.0 - drop) * median:
            flagged.append(
                f"{name}: {value:.2f} is {100 * (1 - value / median):.0f}% below the median {median:.2f} "
                f"of its last {len(past)} run(s)"
            )
    return flagged
