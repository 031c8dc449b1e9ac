"""A model whose chat template the firmware does not know: NAME.tpl (derived by
llmbm_build.chat_template, as the image build does) beside it makes template=auto chat with
exactly what the Jinja template renders; `llmbm run --chat` uses the same file. A broken .tpl
is reported by line and not used. (tests/python/test_image.py checks that the image carries the .tpl.)"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from boot_helpers import Boot
from gen_helpers import parse_answer
from odd_template_model import TEMPLATE, write_odd_model
from repl_helpers import run_repl

from llmbm_build.chat_template import Renderer

MESSAGE = "Once upon a time"
BAD_TPL = (
    "version=1\nsystem=yes\nuser_prefix=\\q\nuser_suffix=x\nassistant_prefix=y\nassistant_suffix=z\n"
    "think_history=sometimes\n"
)
LINES = ["/set temp 0", "/set max_tokens 4", MESSAGE, "/load bad.gguf", "/shutdown"]


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Path:
    vol = tmp_path_factory.mktemp("repl-tpl")
    model = write_odd_model(vol, testdata)
    subprocess.run([sys.executable, "-m", "llmbm_build.chat_template", str(model)], check=True)
    (vol / "bad.gguf").symlink_to(model)
    (vol / "bad.tpl").write_text(BAD_TPL)
    (vol / "repl.cfg").write_text("model=odd.gguf\n")
    return vol


@pytest.fixture(scope="module")
def session(llmbm: Path, volume: Path) -> Boot:
    return run_repl(llmbm, volume, LINES)


def test_auto_uses_the_tpl_file(session: Boot) -> None:
    assert "Chat template odd.tpl (from the model)" in session.banner, session.banner


def test_prompt_tokens_match_the_jinja_rendering(session: Boot, llmbm: Path, volume: Path) -> None:
    text = Renderer(TEMPLATE).render([{"role": "user", "content": MESSAGE}], True)
    ids = subprocess.run(
        [str(llmbm), "tokenize", str(volume / "odd.gguf"), text], check=True, capture_output=True, text=True
    ).stdout.split()
    reply = session.reply(MESSAGE)
    match = re.search(r"-- prompt (\d+) tokens", reply)
    assert match, reply
    # + 1: BOS, which the llama vocabulary adds and `llmbm tokenize` does not print.
    assert int(match.group(1)) == len(ids) + 1, (reply, text, ids)


def test_run_chat_uses_the_same_tpl(session: Boot, llmbm: Path, volume: Path) -> None:
    answer = parse_answer(session.reply(MESSAGE))
    cmd = [
        str(llmbm),
        "run",
        str(volume / "odd.gguf"),
        "--chat",
        "-t",
        "0",
        "--max-tokens",
        "4",
        "-i",
        MESSAGE,
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert run.stdout == answer.text + "\n", (run.stdout, answer.text)
    assert "template odd.tpl" in run.stderr and f"prompt tokens: {answer.prompt_tokens}," in run.stderr


def test_bad_tpl_is_reported_and_not_used(session: Boot) -> None:
    reply = session.reply("/load bad.gguf")
    assert "bad.tpl line 3: user_prefix: bad escape" in reply, reply
    assert "bad.tpl: think_history=sometimes: keep, drop or drop_tag expected" in reply, reply
    assert "bad.tpl: not used" in reply, reply
    assert "Template auto: raw completion" in reply, reply


def test_run_chat_without_a_template_says_so(llmbm: Path, testdata: Path) -> None:
    model = testdata / "stories260K-q8_0-mix.gguf"
    res = subprocess.run(
        [str(llmbm), "run", str(model), "--chat", "-i", "hi"], capture_output=True, text=True
    )
    assert res.returncode == 1 and "has no chat template" in res.stderr, res.stderr
    res = subprocess.run(
        [
            str(llmbm),
            "run",
            str(model),
            "--chat",
            "--template",
            "chatml",
            "-t",
            "0",
            "--max-tokens",
            "3",
            "-i",
            "hi",
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0 and "template chatml" in res.stderr and "generated tokens: 3," in res.stderr, (
        res
    )


def test_m_model_outside_the_volume_uses_its_tpl(llmbm: Path, volume: Path, tmp_path: Path) -> None:
    # Outside the volume only the -m file and the NAME.tpl beside it can be opened.
    session = run_repl(llmbm, tmp_path, ["/shutdown"], "-m", str(volume / "odd.gguf"))
    assert "Chat template odd.tpl (from the model)" in session.banner, session.banner
