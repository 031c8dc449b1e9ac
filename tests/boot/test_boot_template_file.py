"""The image build derives NAME.tpl from a model's Jinja chat template (llmbm_build.chat_template)
and puts it beside the model on the FAT volume. No boot: what the firmware does with the file is
the REPL's business, tested natively in tests/repl/test_repl_template_file.py."""

from __future__ import annotations

import subprocess
import sys

import pytest
from boot_helpers import image_read, make_image

# No family marker the firmware knows (<|im_start|>, [INST], ...): only the .tpl can chat.
TEMPLATE = (
    "{% for m in messages %}[[{{ m.role | upper }}]] {{ m.content }} [[/{{ m.role | upper }}]]\n{% endfor %}"
    "{% if add_generation_prompt %}[[ASSISTANT]] {% endif %}"
)


@pytest.fixture(scope="module")
def tpl(tmp_path_factory, efi_binary, testdata, boot_tools) -> str:
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
    return image_read(image, "odd.tpl")


def test_image_carries_the_derived_template(tpl):
    assert "user_prefix=[[USER]] \n" in tpl and "assistant_prefix=[[ASSISTANT]] \n" in tpl, tpl
