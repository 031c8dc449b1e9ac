"""llmbm_build.chat_template against real models' Jinja templates: the derived pieces,
concatenated the way the firmware writes a conversation, must give exactly what the template
renders."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmbm_build.chat_template import Derived, Renderer, assemble, derive, escape, tpl_text

SYSTEM = "You are terse."
TURNS = [("Hello there.", "Hi! How can I help?"), ("What is 2+2?", None)]

BOS_EOS = {
    "Qwen": ("", "<|im_end|>"),
    "deepseek": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "gemma": ("<bos>", "<eos>"),
    "Llama-3": ("<|begin_of_text|>", "<|eot_id|>"),
    "Phi-3": ("<s>", "<|endoftext|>"),
    "Mistral": ("<s>", "</s>"),
}


def _templates(testdata: Path) -> list[Path]:
    found = sorted((testdata / "chat-templates").glob("*.jinja"))
    assert found, f"no chat templates in {testdata / 'chat-templates'}"
    return found


def _renderer(path: Path) -> Renderer:
    bos, eos = next((v for k, v in BOS_EOS.items() if k in path.name), ("<s>", "</s>"))
    return Renderer(path.read_text(), bos, eos)


def _derived(testdata: Path, name: str) -> Derived:
    path = next(p for p in _templates(testdata) if name in p.name)
    return derive(_renderer(path))


def _messages(system: str, turns: list[tuple[str, str | None]]) -> list[dict[str, str]]:
    msgs = [{"role": "system", "content": system}] if system else []
    for user, answer in turns:
        msgs.append({"role": "user", "content": user})
        if answer is not None:
            msgs.append({"role": "assistant", "content": answer})
    return msgs


def test_pieces_reproduce_every_template(testdata):
    for path in _templates(testdata):
        r = _renderer(path)
        d = derive(r)
        bos = r.bos_token if d.bos else ""
        # Three messages (user, assistant, user) and the generation prompt: a second turn.
        expected = r.render(_messages("", TURNS), True)
        assert bos + assemble(d, "", TURNS) == expected, path.name
        # A system prompt and the first turn; without a system role it opens the user message.
        first = TURNS[:1]
        first = [(first[0][0], None)]
        if d.system == "no":
            expected = r.render(_messages("", [(SYSTEM + "\n\n" + first[0][0], None)]), True)
        else:
            expected = r.render(_messages(SYSTEM, first), True)
        assert bos + assemble(d, SYSTEM, first) == expected, path.name


def test_chatml_qwen(testdata):
    d = _derived(testdata, "Qwen2.5")
    assert (d.system, d.bos) == ("yes", False)
    assert d.system_prefix == "<|im_start|>system\n" and d.system_suffix == "<|im_end|>\n"
    assert d.user_prefix == "<|im_start|>user\n" and d.user_suffix == "<|im_end|>\n"
    assert d.assistant_prefix == "<|im_start|>assistant\n" and d.assistant_suffix == "<|im_end|>\n"
    assert d.no_system.startswith("<|im_start|>system\nYou are Qwen")  # Qwen's default system prompt
    assert d.stops[0] == "<|im_end|>"


def test_llama3(testdata):
    d = _derived(testdata, "Llama-3.2")
    assert (d.system, d.bos) == ("yes", True)
    assert d.system_prefix.startswith("<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date")
    assert d.system_suffix == "<|eot_id|>"
    assert d.user_prefix == "<|start_header_id|>user<|end_header_id|>\n\n" and d.user_suffix == "<|eot_id|>"
    assert d.assistant_prefix == "<|start_header_id|>assistant<|end_header_id|>\n\n"
    assert d.assistant_suffix == "<|eot_id|>"


def test_system_role_kinds(testdata):
    assert _derived(testdata, "gemma").system == "no"  # raises on a system message
    assert _derived(testdata, "Mistral").system == "folded"  # written inside a user turn
    assert _derived(testdata, "Phi-3").system == "yes"


def test_generation_prompt_that_differs_from_history(testdata):
    d = _derived(testdata, "DeepSeek")
    assert d.assistant_prefix == "<｜Assistant｜><think>\n"
    assert d.assistant_history_prefix == "<｜Assistant｜>"


def test_tpl_file_escapes():
    assert escape('a\nb\\c\t"\x01é') == 'a\\nb\\\\c\\t"\\x01é'
    d = Derived("yes", True, "", "<s>\n", "", "[U]", "", "", "", "", ["[U]"])
    text = tpl_text(d, "x.gguf")
    assert "system_prefix=<s>\\n\n" in text and "stop=[U]\n" in text and "bos=1\n" in text


def test_rejects_a_template_that_hides_the_message():
    with pytest.raises(Exception, match="exactly once"):
        derive(Renderer("{% for m in messages %}[{{ m.role }}]{% endfor %}"))
