"""A small GGUF model whose Jinja chat template carries no family marker the firmware knows
(<|im_start|>, [INST], ...): only its derived NAME.tpl can chat with it. Shared by the image test
(the .tpl goes on the stick) and the REPL test (template=auto uses it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TEMPLATE = (
    "{% for m in messages %}[[{{ m.role | upper }}]] {{ m.content }} [[/{{ m.role | upper }}]]\n{% endfor %}"
    "{% if add_generation_prompt %}[[ASSISTANT]] {% endif %}"
)


def write_odd_model(directory: Path, testdata: Path, name: str = "odd") -> Path:
    """directory/NAME.gguf: 2 layers, stories260K's vocabulary, TEMPLATE as its chat template."""
    jinja = directory / f"{name}.jinja"
    jinja.write_text(TEMPLATE)
    model = directory / f"{name}.gguf"
    subprocess.run(
        [sys.executable, "-m", "llmbm_build.gguf_models", str(model), "--dim", "64", "--hidden-dim", "128",
         "--n-layers", "2", "--n-heads", "4", "--n-kv-heads", "2", "--seq-len", "128",
         "--tokenizer-from", str(testdata / "stories260K-f32.gguf"), "--chat-template", str(jinja)],
        check=True,
    )  # fmt: skip
    return model
