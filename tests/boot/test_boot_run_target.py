"""README's first command ends in `ninja -C BUILD run`: run that very target, with typed lines on
stdin (the runner types them at the prompts when stdin is not a terminal), on the default image,
which carries SmolLM2-135M-Instruct. The model must load under its own file name, with its own
chat template, answer a question and power off with status 0. Started from another working
directory, because a run target's command runs in none in particular."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from boot_helpers import ANSI, PROMPT

from llmbm_build.default_model import default_model_path

LINES = ["/set temp 0", "/set max_tokens 6", "What is the capital of France?", "/shutdown"]


@pytest.fixture(scope="module")
def run(build_dir: Path, tmp_path_factory: pytest.TempPathFactory, boot_tools: None) -> tuple[int, str]:
    cwd = tmp_path_factory.mktemp("elsewhere")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESON")}
    result = subprocess.run(
        ["ninja", "-C", str(build_dir), "run"],
        input="".join(line + "\n" for line in LINES).encode(),
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=900,
    )
    console = ANSI.sub(b"", result.stdout).decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "")
    return result.returncode, console + "\n--- stderr ---\n" + result.stderr.decode("utf-8", "replace")


def test_run_target_boots_the_default_model_and_powers_off(run: tuple[int, str]) -> None:
    status, console = run
    name = default_model_path().name
    assert status == 0, console
    assert f"Loaded {name}: GGUF" in console, console
    assert re.search(r"Chat template \S+\.tpl \(from the model\)", console), console
    assert console.count(PROMPT) >= len(LINES), console
    assert "Goodbye." in console, console


def test_the_question_gets_an_answer(run: tuple[int, str]) -> None:
    _, console = run
    start = console.index(PROMPT + LINES[2])
    reply = console[start + len(PROMPT + LINES[2]) :]
    reply = reply[: reply.index(PROMPT)]
    answer = "".join(line for line in reply.splitlines() if not line.startswith("-- "))
    assert re.search(r"^-- prompt \d+ tokens.*\| answer [1-6] tokens", reply, re.M), reply
    words = re.findall(r"[A-Za-z]{2,}", answer)
    assert words, f"no answer text after the question:\n{console}"
