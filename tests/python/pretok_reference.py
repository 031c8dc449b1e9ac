"""llama.cpp's pre-tokenizer split, written with the `regex` module: the
reference the C pattern engine is checked against."""

from __future__ import annotations

import regex


def _python_form(expr: str) -> str:
    """std::regex meanings: \\d is ASCII and $ (outside [...]) only the end
    of the piece."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(expr):
        c = expr[i]
        if c == "\\":
            pair = expr[i : i + 2]
            out.append(("0-9" if in_class else "[0-9]") if pair == r"\d" else pair)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        elif c == "$" and not in_class:
            c = r"\Z"
        out.append(c)
        i += 1
    return "".join(out)


def split_one(expr: str, pieces: list[str]) -> list[str]:
    """One regex over every piece: its matches and the text between them
    become pieces (llama.cpp's unicode_regex_split_stl); empty ones vanish."""
    pattern = regex.compile(_python_form(expr))
    out: list[str] = []
    for piece in pieces:
        gap = 0
        for m in pattern.finditer(piece):
            if m.start() > gap:
                out.append(piece[gap : m.start()])
            if m.end() > m.start():
                out.append(m.group())
            gap = m.end()
        if gap < len(piece):
            out.append(piece[gap:])
    return out


def split(exprs: tuple[str, ...], text: str) -> list[str]:
    """text through each regex in turn."""
    pieces = [text] if text else []
    for expr in exprs:
        pieces = split_one(expr, pieces)
    return pieces
