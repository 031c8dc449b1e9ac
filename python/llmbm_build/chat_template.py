"""Derive a model's exact chat-turn pieces from its Jinja chat template, for the firmware.

    python3 -m llmbm_build.chat_template MODEL.gguf|TEMPLATE.jinja [-o OUT.tpl]

The firmware cannot run Jinja, and its built-in templates cover a few families only. So at
image build time the model's own template (GGUF ``tokenizer.chat_template``) is rendered with
jinja2 on probe conversations whose contents are unique marker words; what surrounds the
markers is the text the template writes around each role. Diffing several renderings gives
the system, user and assistant prefixes and suffixes, the generation prompt, whether BOS is
written as text, what is written when there is no system message (Qwen and Llama 3 add a
default system block), and whether a system role exists at all (Gemma raises, Mistral folds it
into a user message).

The result is a small text file of ``key=value`` lines, values with C-style escapes, that the
firmware parses at run time (firmware/repl/templates.c) when ``template=auto``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import BuildError, source_date_epoch

# Plain words: templates trim and concatenate contents, and these survive both.
SYS = "LLMBMSYSTEMTEXT"
U1 = "LLMBMUSERONE"
A1 = "LLMBMASSISTANTONE"
U2 = "LLMBMUSERTWO"
THOUGHT = "LLMBMTHOUGHT"

TPL_VERSION = 1
MAX_STOPS = 3  # the firmware's chat_template holds three stop strings


@dataclass
class Derived:
    """What the firmware needs; field names are the .tpl keys."""

    system: str  # "yes": its own block; "folded": written inside the first user turn; "no": none
    bos: bool  # the template writes bos_token as text at the start
    no_system: str  # written (after BOS) when there is no system prompt
    system_prefix: str
    system_suffix: str
    user_prefix: str
    user_suffix: str
    assistant_prefix: str  # the generation prompt
    assistant_suffix: str  # ends an assistant turn in the history
    # Before an assistant message in the history when it differs from the generation prompt
    # (DeepSeek-R1 opens generation with <think>); the firmware keeps what it generated.
    assistant_history_prefix: str
    stops: list[str] = field(default_factory=list)
    # A thinking model's generation prompt with enable_thinking=false (Qwen3: an empty think
    # block); "" when the template has no such switch.
    assistant_prefix_no_think: str = ""
    # What the template writes for a past answer's <think>...</think>: "keep" it, "drop" it
    # with the newlines after it (Qwen3), or "drop_tag" (through </think>; DeepSeek-R1).
    think_history: str = "keep"


class TemplateRaised(Exception):
    """The template called raise_exception (it rejects this conversation)."""


def _raise_exception(message: str) -> None:
    raise TemplateRaised(message)


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None, **kw: Any) -> str:
    # transformers' own tojson: non-ASCII kept as is, unlike jinja2's HTML-safe filter.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, **kw)


def _strftime_now(fmt: str) -> str:
    # SOURCE_DATE_EPOCH when set, so an image build stays reproducible (Llama 3 writes the date).
    stamp = source_date_epoch()
    return time.strftime(fmt, time.gmtime(time.time() if stamp is None else stamp))


class Renderer:
    """A chat template compiled the way transformers does (apply_chat_template)."""

    def __init__(self, source: str, bos_token: str = "", eos_token: str = "") -> None:
        env = ImmutableSandboxedEnvironment(
            trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
        )
        env.filters["tojson"] = _tojson
        env.globals["raise_exception"] = _raise_exception
        env.globals["strftime_now"] = _strftime_now
        try:
            self.template = env.from_string(source)
        except jinja2.TemplateError as err:
            raise BuildError(f"chat template does not compile: {err}") from err
        self.bos_token = bos_token
        self.eos_token = eos_token

    def render(self, messages: list[dict[str, str]], add_generation_prompt: bool, **extra: Any) -> str:
        """extra: template variables such as enable_thinking (Qwen3)."""
        try:
            return self.template.render(
                messages=messages,
                add_generation_prompt=add_generation_prompt,
                bos_token=self.bos_token,
                eos_token=self.eos_token,
                **extra,
            )
        except TemplateRaised:
            raise
        except Exception as err:  # a template bug: say which conversation broke it
            roles = ",".join(m["role"] for m in messages)
            raise BuildError(f"chat template failed on a conversation {roles}: {err}") from err


def _msg(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


def _split(text: str, *markers: str) -> list[str]:
    """text around the markers, which must appear once each and in order."""
    parts: list[str] = []
    rest = text
    for marker in markers:
        head, found, rest = rest.partition(marker)
        if not found or marker in rest:
            raise BuildError(f"chat template output does not contain {marker!r} exactly once: {text!r}")
        parts.append(head)
    parts.append(rest)
    return parts


def _common_prefix(a: str, b: str) -> str:
    """The common start of a and b, cut back so it does not end inside a <...> or [...] marker
    (Phi-3 ends a user turn with "<|end|>\\n" then writes either "<|assistant|>" or EOS)."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    prefix = a[:n]
    if n < min(len(a), len(b)):
        for open_, close in (("<", ">"), ("[", "]")):
            at = prefix.rfind(open_)
            if at >= 0 and prefix.rfind(close) < at:
                prefix = prefix[:at]
    return prefix


def derive(r: Renderer) -> Derived:
    # One user turn with the generation prompt, and with none.
    head, after_u1 = _split(r.render([_msg("user", U1)], True), U1)
    try:
        nogen_after = _split(r.render([_msg("user", U1)], False), U1)[1]
    except TemplateRaised:
        nogen_after = ""
    user_suffix = _common_prefix(after_u1, nogen_after)
    assistant_prefix = after_u1[len(user_suffix) :]

    # Two turns: between A1 and U2 the template writes the assistant suffix then the user prefix.
    two = r.render([_msg("user", U1), _msg("assistant", A1), _msg("user", U2)], True)
    head2, mid, between, tail = _split(two, U1, A1, U2)
    if head2 != head or tail != after_u1:
        raise BuildError("chat template renders the second turn unlike the first")
    if not mid.startswith(user_suffix):
        raise BuildError(f"assistant turn {mid!r} does not follow the user suffix {user_suffix!r}")
    history_prefix = mid[len(user_suffix) :]
    try:
        end_tail = _split(r.render([_msg("user", U1), _msg("assistant", A1)], False), U1, A1)[2]
    except TemplateRaised:
        end_tail = between
    assistant_suffix = _common_prefix(between, end_tail)
    user_prefix = between[len(assistant_suffix) :]
    if not head.endswith(user_prefix):
        raise BuildError(f"first user turn {head!r} does not end with the user prefix {user_prefix!r}")
    prelude = head[: len(head) - len(user_prefix)]
    bos = bool(r.bos_token) and prelude.startswith(r.bos_token)
    no_system = prelude[len(r.bos_token) :] if bos else prelude

    system, sys_prefix, sys_suffix = _derive_system(r, user_prefix, after_u1, bos)
    no_think, think_history = _derive_thinking(r, user_suffix, assistant_prefix, two)
    stops: list[str] = []
    for stop in (assistant_suffix.strip(), user_prefix.strip()):
        if stop and stop not in stops and len(stops) < MAX_STOPS:
            stops.append(stop)
    return Derived(
        system=system,
        bos=bos,
        no_system=no_system,
        system_prefix=sys_prefix,
        system_suffix=sys_suffix,
        user_prefix=user_prefix,
        user_suffix=user_suffix,
        assistant_prefix=assistant_prefix,
        assistant_suffix=assistant_suffix,
        assistant_history_prefix=history_prefix if history_prefix != assistant_prefix else "",
        stops=stops,
        assistant_prefix_no_think=no_think,
        think_history=think_history,
    )


def _derive_thinking(r: Renderer, user_suffix: str, assistant_prefix: str, two: str) -> tuple[str, str]:
    """(generation prompt with enable_thinking=false or "", think_history). two: the rendering
    of user, assistant, user with the generation prompt."""
    off = r.render([_msg("user", U1)], True, enable_thinking=False)
    after = _split(off, U1)[1]
    no_think = ""
    if after.startswith(user_suffix) and after[len(user_suffix) :] != assistant_prefix:
        no_think = after[len(user_suffix) :]
    thought = f"<think>\n{THOUGHT}\n</think>\n\n{A1}"
    with_thought = r.render([_msg("user", U1), _msg("assistant", thought), _msg("user", U2)], True)
    if THOUGHT in with_thought:
        return no_think, "keep"
    if with_thought == two:
        return no_think, "drop"
    if with_thought == two.replace(A1, "\n\n" + A1):
        return no_think, "drop_tag"
    raise BuildError("chat template rewrites a past answer's <think> block unlike anything the firmware does")


def _derive_system(r: Renderer, user_prefix: str, after_u1: str, bos: bool) -> tuple[str, str, str]:
    """(kind, prefix, suffix) of the system prompt. A template without a system role gets the
    prompt folded into the first user message as "PROMPT\\n\\n" (what Gemma's users do)."""
    fold = ("no", user_prefix, "\n\n")  # the first user turn opens with the prompt
    try:
        text = r.render([_msg("system", SYS), _msg("user", U1)], True)
    except TemplateRaised:
        return fold
    if SYS not in text or text.find(SYS) > text.find(U1):
        return fold  # ignored, or written after the message: nothing the firmware can mirror
    before, between, tail = _split(text, SYS, U1)
    if tail != after_u1:
        raise BuildError("chat template ends a turn differently when there is a system message")
    if bos:
        if not before.startswith(r.bos_token):
            raise BuildError("chat template writes BOS only when there is no system message")
        before = before[len(r.bos_token) :]
    if user_prefix and between.endswith(user_prefix):
        return "yes", before, between[: len(between) - len(user_prefix)]
    return "folded", before, between


def assemble(
    d: Derived, system: str, turns: list[tuple[str, str | None]], history: bool = True, no_think: bool = False
) -> str:
    """The text the firmware writes (firmware/repl/chat.c, after BOS) for a system prompt ("" for
    none) and turns of (user, answer); an answer of None ends the text with the generation
    prompt. history: answered turns use the template's history form of the assistant prefix (as
    the template renders them) instead of the generation prompt (as the firmware keeps them).
    no_think: the generation prompt of think=off."""
    out = [d.system_prefix + system + d.system_suffix if system else d.no_system]
    for i, (user, answer) in enumerate(turns):
        folded = i == 0 and system and d.system != "yes"
        out.append(("" if folded else d.user_prefix) + user + d.user_suffix)
        if answer is None:
            off = no_think and d.assistant_prefix_no_think
            out.append(d.assistant_prefix_no_think if off else d.assistant_prefix)
        else:
            prefix = (
                d.assistant_history_prefix if history and d.assistant_history_prefix else d.assistant_prefix
            )
            out.append(prefix + answer + d.assistant_suffix)
    return "".join(out)


# ---- the .tpl file ----

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(value: str) -> str:
    """C-style: backslash, newline, CR, tab by name, other control bytes as \\xHH; UTF-8 kept."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def tpl_text(d: Derived, source: str) -> str:
    lines = [
        f"# llm-baremetal chat template derived by llmbm_build.chat_template from {source}",
        f"version={TPL_VERSION}",
        f"system={d.system}",
        f"bos={int(d.bos)}",
    ]
    for key in (
        "no_system",
        "system_prefix",
        "system_suffix",
        "user_prefix",
        "user_suffix",
        "assistant_prefix",
        "assistant_suffix",
        "assistant_history_prefix",
    ):
        lines.append(f"{key}={escape(getattr(d, key))}")
    if d.assistant_prefix_no_think:
        lines.append(f"assistant_prefix_no_think={escape(d.assistant_prefix_no_think)}")
    lines.append(f"think_history={d.think_history}")
    lines += [f"stop={escape(s)}" for s in d.stops]
    return "\n".join(lines) + "\n"


# ---- inputs ----


def _field_str(reader: Any, key: str) -> str | None:
    f = reader.fields.get(key)
    if f is None:
        return None
    return bytes(f.parts[f.data[0]]).decode("utf-8", "replace")


def _token_text(reader: Any, id_key: str) -> str:
    f = reader.fields.get(id_key)
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    if f is None or tokens is None:
        return ""
    tid = int(f.parts[f.data[0]][0])
    if not 0 <= tid < len(tokens.data):
        return ""
    return bytes(tokens.parts[tokens.data[tid]]).decode("utf-8", "replace")


def renderer_from_gguf(path: Path) -> Renderer | None:
    """None when the model carries no chat template."""
    import gguf  # only this path needs it

    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as err:
        raise BuildError(f"{path}: not a readable GGUF file: {err}") from err
    source = _field_str(reader, "tokenizer.chat_template")
    if source is None:
        return None
    bos = _token_text(reader, "tokenizer.ggml.bos_token_id")
    eos = _token_text(reader, "tokenizer.ggml.eos_token_id")
    return Renderer(source, bos, eos)


def derive_for_model(path: Path) -> str | None:
    """The .tpl text for a GGUF model, or None when it has no chat template."""
    r = renderer_from_gguf(path)
    if r is None:
        return None
    try:
        return tpl_text(derive(r), path.name)
    except TemplateRaised as err:
        raise BuildError(f"{path}: chat template rejects a plain user/assistant conversation: {err}") from err


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python3 -m llmbm_build.chat_template", description=__doc__.split("\n")[0]
    )
    ap.add_argument("input", type=Path, help="a .gguf model or a .jinja template")
    ap.add_argument("-o", "--output", type=Path, help="default: INPUT with a .tpl extension")
    ap.add_argument("--bos", default="<s>", help="bos_token for a .jinja input")
    ap.add_argument("--eos", default="</s>", help="eos_token for a .jinja input")
    a = ap.parse_args(argv)
    try:
        if a.input.suffix.lower() == ".gguf":
            text = derive_for_model(a.input)
            if text is None:
                raise BuildError(f"{a.input} has no tokenizer.chat_template")
        else:
            text = tpl_text(derive(Renderer(a.input.read_text(), a.bos, a.eos)), a.input.name)
    except (BuildError, TemplateRaised, OSError) as err:
        print(f"chat_template: error: {err}", file=sys.stderr)
        return 1
    (a.output or a.input.with_suffix(".tpl")).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
