"""A model whose chat template the firmware does not know: the image build derives its pieces
(llmbm_build.chat_template) into NAME.tpl, and template=auto chats with exactly what the Jinja
template renders. A broken .tpl is reported by line and not used."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from boot_helpers import Boot, boot, image_add, image_read, image_write, make_image

from llmbm_build.chat_template import Renderer

# No family marker the firmware knows (<|im_start|>, [INST], ...): only the .tpl can chat.
TEMPLATE = (
    "{% for m in messages %}[[{{ m.role | upper }}]] {{ m.content }} [[/{{ m.role | upper }}]]\n{% endfor %}"
    "{% if add_generation_prompt %}[[ASSISTANT]] {% endif %}"
)
MESSAGE = "Once upon a time"
BAD_TPL = "version=1\nsystem=yes\nuser_prefix=\\q\nuser_suffix=x\nassistant_prefix=y\nassistant_suffix=z\n"
LINES = ["/set temp 0", "/set max_tokens 4", MESSAGE, "/load bad.gguf", "/shutdown"]


@pytest.fixture(scope="module")
def session(tmp_path_factory, efi_binary, build_dir, testdata, boot_tools) -> tuple[Boot, Path, str]:
    tmp = tmp_path_factory.mktemp("boot-tpl")
    jinja = tmp / "odd.jinja"
    jinja.write_text(TEMPLATE)
    model = tmp / "odd.gguf"
    subprocess.run(
        [sys.executable, "-m", "llmbm_build.gguf_models", str(model), "--dim", "64", "--hidden-dim", "128",
         "--n-layers", "2", "--n-heads", "4", "--n-kv-heads", "2", "--seq-len", "128",
         "--tokenizer-from", str(testdata / "stories260K-f32.gguf"), "--chat-template", str(jinja)],
        check=True,
    )  # fmt: skip
    image = make_image(efi_binary, tmp / "tpl.img", [model])
    tpl = image_read(image, "odd.tpl")
    # The same model again beside a .tpl with a bad escape on line 3.
    image_add(image, model, "bad.gguf")
    image_write(image, "bad.tpl", BAD_TPL, tmp)
    return boot(image, LINES, tmp), model, tpl


def test_image_carries_the_derived_template(session):
    _, _, tpl = session
    assert "user_prefix=[[USER]] \n" in tpl and "assistant_prefix=[[ASSISTANT]] \n" in tpl, tpl


def test_auto_uses_the_tpl_file(session):
    result, _, _ = session
    assert "Chat template odd.tpl (from the model)" in result.banner, result.banner


def test_prompt_tokens_match_the_jinja_rendering(session, build_dir):
    result, model, _ = session
    text = Renderer(TEMPLATE).render([{"role": "user", "content": MESSAGE}], True)
    ids = subprocess.run(
        [str(build_dir / "llmbm"), "tokenize", str(model), text], check=True, capture_output=True, text=True
    ).stdout.split()
    reply = result.reply(MESSAGE)
    match = re.search(r"-- prompt (\d+) tokens", reply)
    assert match, reply
    # + 1: BOS, which the llama vocabulary adds and `llmbm tokenize` does not print.
    assert int(match.group(1)) == len(ids) + 1, (reply, text, ids)


def test_bad_tpl_is_reported_and_not_used(session):
    reply = session[0].reply("/load bad.gguf")
    assert "bad.tpl line 3: user_prefix: bad escape" in reply, reply
    assert "bad.tpl: not used" in reply, reply
    assert "Template auto: raw completion" in reply, reply
    assert "!!!! X64 Exception" not in session[0].console
