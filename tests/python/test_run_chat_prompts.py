"""`llmbm run` on chat-formatted prompts and on vocabularies without BOS, with SmolLM2-135M-Instruct
(GPT-2 BPE, add_bos_token false, ChatML): the end-of-turn markers inside the prompt are fed, not
obeyed, and the whole prompt is echoed, its first token included."""

from __future__ import annotations

import subprocess
from pathlib import Path

CHATML = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"


def run(llmbm: Path, model: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(llmbm), "run", str(model), *args], capture_output=True, text=True, check=True)


def test_a_chatml_prompt_generates(build_dir: Path, smollm2: Path) -> None:
    res = run(build_dir / "llmbm", smollm2, "-t", "0", "-n", "64", "-i", CHATML)
    echo = CHATML.replace("<|im_start|>", "").replace("<|im_end|>", "")
    assert res.stdout.startswith(echo), res.stdout
    assert res.stdout[len(echo) :].strip(), "no generated text"
    generated = int(res.stderr.split("generated tokens: ")[1].split(",")[0])
    assert generated >= 1, res.stderr


def test_the_first_prompt_token_is_echoed_without_bos(build_dir: Path, smollm2: Path) -> None:
    prompt = "The capital of France is"
    res = run(build_dir / "llmbm", smollm2, "-t", "0", "-n", "10", "-i", prompt)
    assert res.stdout.startswith(prompt), res.stdout
    assert len(res.stdout) > len(prompt) + 1, res.stdout


def test_chat_renders_the_template_and_answers(build_dir: Path, smollm2: Path) -> None:
    res = run(build_dir / "llmbm", smollm2, "--chat", "-t", "0", "--max-tokens", "24", "-i", "Hi!")
    assert res.stdout.strip(), res
    assert "template chatml" in res.stderr and "prompt tokens: " in res.stderr, res.stderr
    # The REPL's chatml template starts with BOS, which for SmolLM2 is <|im_start|> itself.
    tokens = int(res.stderr.split("prompt tokens: ")[1].split(",")[0])
    assert tokens > 5, res.stderr


def test_chat_options_need_chat(build_dir: Path, smollm2: Path) -> None:
    res = subprocess.run(
        [str(build_dir / "llmbm"), "run", str(smollm2), "--system", "x", "-i", "hi"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and "--system needs --chat" in res.stderr, res.stderr
    res = subprocess.run(
        [str(build_dir / "llmbm"), "run", str(smollm2), "--chat", "-t", "-1", "-i", "hi"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and "temp -1" in res.stderr, res.stderr
