"""llmbm_build.chat_template against real models' Jinja templates: the derived pieces,
concatenated the way the firmware writes a conversation, must give exactly what the template
renders."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmbm_build.chat_template import Derived, Renderer, assemble, derive, escape, tpl_text

SYSTEM = "You are terse."
TURNS = [("Hello there.", "Hi! How can I help?"), ("What is 2+2?", None)]

FIXTURES = Path(__file__).resolve().parents[1] / "chat_templates"  # Qwen3, Gemma 3, Phi-4, Phi-4-mini

BOS_EOS = {
    "Qwen": ("", "<|im_end|>"),
    "qwen3": ("", "<|im_end|>"),
    "phi4": ("<|endoftext|>", "<|endoftext|>"),
    "deepseek": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "gemma": ("<bos>", "<eos>"),  # Gemma 2 and 3
    "Llama-3": ("<|begin_of_text|>", "<|eot_id|>"),
    "Phi-3": ("<s>", "<|endoftext|>"),
    "Mistral": ("<s>", "</s>"),
}


def _templates(testdata: Path) -> list[Path]:
    found = sorted((testdata / "chat-templates").glob("*.jinja"))
    assert found, f"no chat templates in {testdata / 'chat-templates'}"
    fixtures = sorted(FIXTURES.glob("*.jinja"))
    assert len(fixtures) == 4, fixtures
    return found + fixtures


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
    assert _derived(testdata, "gemma").system == "no"  # Gemma 2 raises on a system message
    gemma3 = derive(_renderer(FIXTURES / "gemma3.jinja"))  # Gemma 3 folds it into the first user turn
    assert (gemma3.system, gemma3.system_prefix, gemma3.system_suffix) == (
        "folded",
        "<start_of_turn>user\n",
        "\n\n",
    )
    assert _derived(testdata, "Mistral").system == "folded"  # written inside a user turn
    assert _derived(testdata, "Phi-3").system == "yes"


def test_generation_prompt_that_differs_from_history(testdata):
    d = _derived(testdata, "DeepSeek")
    assert d.assistant_prefix == "<｜Assistant｜><think>\n"
    assert d.assistant_history_prefix == "<｜Assistant｜>"


def test_qwen3_thinking(testdata):
    """think=off's generation prompt is what enable_thinking=false renders; a past answer's
    reasoning is dropped with the newlines after it."""
    path = FIXTURES / "qwen3.jinja"
    r = _renderer(path)
    d = derive(r)
    assert d.assistant_prefix == "<|im_start|>assistant\n"
    assert d.assistant_prefix_no_think == "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    assert d.think_history == "drop"
    first = [(TURNS[0][0], None)]
    expected = r.render(_messages(SYSTEM, first), True, enable_thinking=False)
    assert assemble(d, SYSTEM, first, no_think=True) == expected
    thought = "<think>\nLet me see.\n</think>\n\n" + TURNS[0][1]
    rendered = r.render(_messages(SYSTEM, [(TURNS[0][0], thought), TURNS[1]]), True)
    assert assemble(d, SYSTEM, [TURNS[0], TURNS[1]]) == rendered  # the reasoning is gone
    tpl = tpl_text(d, "q.gguf")
    assert "assistant_prefix_no_think=<|im_start|>assistant\\n<think>\\n\\n</think>\\n\\n\n" in tpl, tpl
    assert "think_history=drop\n" in tpl, tpl


def test_think_history_kinds(testdata):
    assert _derived(testdata, "DeepSeek").think_history == "drop_tag"  # keeps the newlines after </think>
    for name in ("Qwen2.5", "gemma", "Llama-3.2", "Phi-3"):
        d = _derived(testdata, name)
        assert (d.think_history, d.assistant_prefix_no_think) == ("keep", ""), name


def test_phi4_and_phi4_mini():
    d = derive(_renderer(FIXTURES / "phi4.jinja"))
    assert (d.user_prefix, d.user_suffix) == ("<|im_start|>user<|im_sep|>", "<|im_end|>")
    assert (d.assistant_prefix, d.assistant_suffix) == ("<|im_start|>assistant<|im_sep|>", "<|im_end|>")
    d = derive(_renderer(FIXTURES / "phi4-mini.jinja"))
    assert (d.system_prefix, d.system_suffix) == ("<|system|>", "<|end|>")
    assert (d.user_prefix, d.user_suffix, d.assistant_prefix) == ("<|user|>", "<|end|>", "<|assistant|>")


def test_tpl_file_escapes():
    assert escape('a\nb\\c\t"\x01é') == 'a\\nb\\\\c\\t"\\x01é'
    d = Derived("yes", True, "", "<s>\n", "", "[U]", "", "", "", "", ["[U]"])
    text = tpl_text(d, "x.gguf")
    assert "system_prefix=<s>\\n\n" in text and "stop=[U]\n" in text and "bos=1\n" in text


def test_rejects_a_template_that_hides_the_message():
    with pytest.raises(Exception, match="exactly once"):
        derive(Renderer("{% for m in messages %}[{{ m.role }}]{% endfor %}"))
