"""Helpers for the boot tests that generate text: the host CLI as the reference, and the
parts of a REPL answer (streamed text, then a stats line)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

STATS = re.compile(
    r"^-- prompt (\d+) tokens, [\d.]+ tok/s \| answer (\d+) tokens, [\d.]+ tok/s \| "
    r"context (\d+)/(\d+) \| (.+)$",
    re.M,
)


@dataclass
class Answer:
    text: str  # the streamed text, without the newline before the stats line
    prompt_tokens: int
    answer_tokens: int
    context_used: int
    context_size: int
    reason: str


def parse_answer(reply: str) -> Answer:
    """Split what the REPL printed for a typed line into the text and the stats line."""
    matches = list(STATS.finditer(reply))
    assert matches, f"no stats line in the reply:\n{reply}"
    stats = matches[-1]
    assert reply[stats.start() - 1] == "\n", reply
    prompt, answer, used, size = (int(stats.group(i)) for i in range(1, 5))
    return Answer(reply[: stats.start() - 1], prompt, answer, used, size, stats.group(5).strip())


def host_run(
    llmbm: Path, model: Path, tokenizer: Path | None, prompt: str, steps: int, *sampling: str
) -> str:
    """`llmbm run` and the text it generated after the prompt (its stdout echoes the prompt
    and ends with a newline). tokenizer None: the model's own (GGUF)."""
    tok = ["-z", str(tokenizer)] if tokenizer else []
    cmd = [str(llmbm), "run", str(model), *tok, "-n", str(steps), "-i", prompt, *sampling]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    out = result.stdout
    assert out.startswith(prompt) and out.endswith("\n"), out
    return out[len(prompt) : -1]


def host_steps(prompt_tokens: int, max_tokens: int) -> int:
    """run.c's -n counts positions, the prompt's (with BOS) included; the firmware's
    max_tokens counts new tokens. The last prompt position already yields the first new
    token, hence the -1."""
    return prompt_tokens - 1 + max_tokens
