"""A scripted chat through each model family's template, with a tiny model of that family
(chat_family_model.py): the tokens the firmware feeds are what the family's own Jinja template
renders (checked through `llmbm run --chat --print-ids` and `llmbm tokenize` of a jinja2
rendering), and the REPL's answer and prompt equal `llmbm run --chat`'s. Each family runs with
the .tpl the image build derives and, where the firmware's built-in template of the family is
exact, with the built-in one (template=auto recognising the family in the Jinja).

Qwen3 runs with think=show (the reasoning shown, tags included: a pipe has no dim colour),
hide, and off (the prompt ends with the empty think block of enable_thinking=false); after the
answer the conversation holds the answer without its reasoning, as Qwen3's template renders a
past turn."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from chat_family_model import Family, write_family_model
from gen_helpers import parse_answer
from repl_helpers import run_repl

from llmbm_build.chat_template import Renderer, TemplateRaised, derive, derive_for_model

# Llama 3 writes today's date: the .tpl and the renderings here must agree on it.
os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")

TESTS = Path(__file__).resolve().parents[1]
SYSTEM = "Be brief."
MESSAGE = "Hi"
NEXT = "More"
THOUGHT = "\nLLMBMTHOUGHT\n"
PLAIN = ("Sure", " thing", ".")


def _jinja(testdata: Path, name: str) -> str:
    shared = testdata / "chat-templates" / name
    return (shared if shared.exists() else TESTS / "chat_templates" / name).read_text()


def families(testdata: Path) -> dict[str, Family]:
    chatml = ("<|im_start|>", "<|im_end|>", "<|endoftext|>")
    phi = ("<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>")
    im_sep = ("<|im_start|>", "<|im_sep|>", "<|im_end|>", "<|endoftext|>")
    llama3 = ("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")
    gemma = ("<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>")
    thinking = ("<think>", THOUGHT, "</think>", "\n\n", "The", " answer", ".")
    deepseek = ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>")
    # name, Jinja file, markers, bos, eos, the generation prompt's last token, answer, end of turn
    rows = [
        ("chatml", "Qwen-Qwen2.5-7B-Instruct", chatml, "", "<|im_end|>", "\n", PLAIN, "<|im_end|>"),
        ("llama3", "meta-llama-Llama-3.2-3B-Instruct", llama3, "<|begin_of_text|>", "<|eot_id|>", "\n\n",
         PLAIN, "<|eot_id|>"),
        ("gemma", "google-gemma-2-2b-it", gemma, "<bos>", "<eos>", "\n", PLAIN, "<end_of_turn>"),
        ("gemma3", "gemma3", gemma, "<bos>", "<eos>", "\n", PLAIN, "<end_of_turn>"),
        ("phi3", "microsoft-Phi-3.5-mini-instruct", ("<s>", *phi), "<s>", "<|endoftext|>", "\n", PLAIN,
         "<|end|>"),
        ("phi4", "phi4", im_sep, "<|endoftext|>", "<|im_end|>", "<|im_sep|>", PLAIN, "<|im_end|>"),
        ("phi4mini", "phi4-mini", phi, "<|endoftext|>", "<|endoftext|>", "<|assistant|>", PLAIN, "<|end|>"),
        ("mistral", "mistralai-Mistral-Nemo-Instruct-2407", ("<s>", "</s>", "[INST]", "[/INST]"), "<s>",
         "</s>", "[/INST]", PLAIN, "</s>"),
        ("qwen3", "qwen3", chatml, "", "<|im_end|>", "\n", thinking, "<|im_end|>"),
        # Its generation prompt opens the think block: the answer starts inside it.
        ("deepseek", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", deepseek, deepseek[0], deepseek[1], "\n",
         thinking[1:], deepseek[1]),
    ]  # fmt: skip
    return {
        name: Family(name, _jinja(testdata, f"{file}.jinja"), *rest, thinks=name in ("qwen3", "deepseek"))  # type: ignore[arg-type]
        for name, file, *rest in rows
    }


@dataclass(frozen=True)
class Case:
    family: str
    source: str  # "tpl": NAME.tpl beside the model; "builtin": template=auto without one
    think: str = "show"

    @property
    def id(self) -> str:
        return f"{self.family}-{self.source}" + (
            f"-{self.think}" if self.family in ("qwen3", "deepseek") else ""
        )


# Llama 3's built-in template has no date header and Mistral's built-in [INST] differs from
# Nemo's: for those two only the .tpl is exact.
CASES = [
    *(
        Case(f, s)
        for f in ("chatml", "gemma", "gemma3", "phi3", "phi4", "phi4mini")
        for s in ("tpl", "builtin")
    ),
    Case("llama3", "tpl"),
    Case("mistral", "tpl"),
    *(Case("qwen3", s, think) for s in ("tpl", "builtin") for think in ("show", "hide", "off")),
    *(Case("deepseek", "tpl", think) for think in ("show", "hide")),  # no switch to turn it off
]

SHOWN = {
    "show": "<think>" + THOUGHT + "</think>\n\nThe answer.",
    "hide": "[thinking...] The answer.",
    "off": "The answer.",
}


@dataclass
class Chat:
    case: Case
    family: Family
    model: Path
    reply: str  # what the REPL printed for MESSAGE
    ctx: str  # what /ctx printed after it
    model_info: str  # what /model_info printed for the model


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> dict[str, Path]:
    out = {}
    for name, family in families(testdata).items():
        vol = tmp_path_factory.mktemp(f"family-{name}")
        out[name] = vol / f"{name}.gguf"
        write_family_model(out[name], family)
    return out


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c.id)
def chat(request: pytest.FixtureRequest, models: dict[str, Path], testdata: Path, llmbm: Path) -> Chat:
    case: Case = request.param
    family = families(testdata)[case.family]
    vol = models[case.family].parent / case.id
    vol.mkdir()
    model = vol / models[case.family].name
    model.symlink_to(models[case.family])
    if case.source == "tpl":
        text = derive_for_model(model)
        assert text is not None
        model.with_suffix(".tpl").write_text(text)
    (vol / "repl.cfg").write_text(f"model={model.name}\n")
    info = f"/model_info {model.name}"
    lines = [
        "/set temp 0",
        f"/set system {SYSTEM}",
        f"/set think {case.think}",
        MESSAGE,
        "/ctx",
        info,
        "/shutdown",
    ]
    session = run_repl(llmbm, vol, lines)
    return Chat(case, family, model, session.reply(MESSAGE), session.reply("/ctx"), session.reply(info))


def _renderer(f: Family) -> Renderer:
    return Renderer(f.jinja, f.bos, f.eos)


def _messages(r: Renderer, *more: dict[str, str]) -> list[dict[str, str]]:
    """The system prompt and MESSAGE as the firmware writes them: a template without a system
    role (Gemma raises on one) gets the prompt folded into the first user message."""
    try:
        r.render([{"role": "system", "content": SYSTEM}, {"role": "user", "content": MESSAGE}], True)
        msgs = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": MESSAGE}]
    except TemplateRaised:
        msgs = [{"role": "user", "content": SYSTEM + "\n\n" + MESSAGE}]
    return [*msgs, *more]


def _tokens(llmbm: Path, model: Path, text: str) -> list[int]:
    out = subprocess.run(
        [str(llmbm), "tokenize", str(model), text], capture_output=True, text=True, check=True
    )
    return [int(t) for t in out.stdout.split()]


def _run_chat(llmbm: Path, c: Chat) -> subprocess.CompletedProcess[str]:
    cmd = [str(llmbm), "run", str(c.model), "--chat", "-t", "0", "--system", SYSTEM, "--think", c.case.think]
    cmd += ["--print-ids", "-i", MESSAGE]
    return subprocess.run(cmd, capture_output=True, text=True, check=True)


def _conversation(run: subprocess.CompletedProcess[str]) -> list[int]:
    line = next(x for x in run.stderr.splitlines() if x.startswith("conversation tokens:"))
    return [int(t) for t in line.split(":")[1].split()]


def test_info_and_model_info_name_the_template(chat: Chat, llmbm: Path) -> None:
    info = subprocess.run([str(llmbm), "info", str(chat.model)], capture_output=True, text=True, check=True)
    line = next(x for x in info.stdout.splitlines() if x.startswith("chat template: "))
    # Beside the architecture and its features.
    assert "\narchitecture: llama\nfeatures: " in info.stdout and info.stdout.index(
        "features: "
    ) < info.stdout.index(line), info.stdout
    if chat.case.source == "tpl":
        assert line.startswith(f"chat template: {chat.model.stem}.tpl (the .tpl beside the model"), line
    else:
        builtin = "gemma" if chat.case.family == "gemma3" else chat.case.family  # one template for both
        assert line.startswith(f"chat template: {builtin} (built-in, recognised"), line
    assert ("thinking can be turned off" in line) == (chat.case.family == "qwen3"), line
    assert line + "\n" in chat.model_info, (line, chat.model_info)  # /model_info says the same


def test_the_prompt_is_what_the_jinja_template_renders(chat: Chat, llmbm: Path) -> None:
    r = _renderer(chat.family)
    extra = {"enable_thinking": False} if chat.case.think == "off" else {}
    prompt = _tokens(llmbm, chat.model, r.render(_messages(r), True, **extra))
    run = _run_chat(llmbm, chat)
    assert f"prompt tokens: {len(prompt)}," in run.stderr, (run.stderr, prompt)
    answer = parse_answer(chat.reply)
    assert answer.prompt_tokens == len(prompt), (chat.reply, prompt)
    if chat.case.think != "off" and chat.case.family != "deepseek":
        # Nothing of the prompt is dropped after the answer: it is the conversation's start
        # (think=off's empty block and DeepSeek-R1's opening <think> are, as in the template).
        assert _conversation(run)[: len(prompt)] == prompt, (run.stderr, prompt)


def test_the_answer_equals_run_chat(chat: Chat, llmbm: Path) -> None:
    answer = parse_answer(chat.reply)
    run = _run_chat(llmbm, chat)
    expected = SHOWN[chat.case.think] if chat.family.thinks else "".join(PLAIN)
    assert answer.text == expected, chat.reply
    assert run.stdout == expected + "\n", run.stdout
    assert answer.reason == "end of text", chat.reply
    assert f"generated tokens: {answer.answer_tokens}," in run.stderr, (run.stderr, chat.reply)


def test_the_turn_is_kept_as_the_template_renders_a_past_turn(chat: Chat, llmbm: Path) -> None:
    """The conversation after the answer is what the template renders for it once another
    user message follows (Qwen3: without the reasoning), up to that message."""
    if chat.case.family == "mistral":
        pytest.skip("Mistral-Nemo writes the system prompt into the last user message: a past turn changes")
    r = _renderer(chat.family)
    answer = "".join(chat.family.answer)
    d = derive(r)
    text = r.render(
        _messages(r, {"role": "assistant", "content": answer}, {"role": "user", "content": NEXT}), True
    )
    history = text[: text.rindex(d.user_prefix + NEXT)]
    expected = _tokens(llmbm, chat.model, history)
    conversation = _conversation(_run_chat(llmbm, chat))
    assert conversation == expected, (conversation, expected, history)
    assert f"context: {len(expected)} of" in chat.ctx, (chat.ctx, len(expected))
    if chat.family.thinks:
        assert "LLMBMTHOUGHT" not in history
