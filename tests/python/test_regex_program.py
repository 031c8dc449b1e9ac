"""The build-time regex compiler (llmbm_build.regex_program): what it accepts,
what it refuses, and the shape of what it emits. That the programs match
like the regexes do is checked through the C matcher in test_gguf_vocab.py."""

from __future__ import annotations

import pytest

from llmbm_build import regex_program as rp
from llmbm_build.pretokenizers import PRETOKENIZERS


def program(expr: str) -> rp.Program:
    p = rp.Program()
    assert rp.compile_into(p, expr) == 0
    return p


@pytest.mark.parametrize(
    "expr",
    [
        "a+?",  # lazy
        "a*+",  # possessive
        r"(a)\1",  # back-reference
        r"\p{Han}+",  # a category the tables do not carry
        "(?i:'s)",  # inline flags: the table uses the [sS] forms
        "a.b",
        "^a",
        "(a?)*",  # a loop that could spin on empty text
        "(a",
        "a)",
        "[z-a]",
        "(?=a)*",
    ],
)
def test_refuses(expr: str) -> None:
    with pytest.raises(rp.RegexError):
        program(expr)


def test_alternation_and_loop_shape() -> None:
    p = program("a|b+")
    ops = [rp.OP_NAMES[op] for op, _, _ in p.code]
    assert ops == ["RX_SPLIT", "RX_CLASS", "RX_JMP", "RX_CLASS", "RX_SPLIT", "RX_CLASS", "RX_JMP", "RX_MATCH"]
    assert p.code[0][1:] == (1, 3)  # try "a" first, then "b+"
    assert p.code[4][1:] == (5, 7)  # greedy: one more "b" before leaving


def test_counted_repeat_is_unrolled() -> None:
    p = program(r"\p{N}{1,3}")
    assert [op for op, _, _ in p.code].count(rp.CLASS) == 3
    assert p.classes == [rp.CharClass(rp.NUMBER, ())]


def test_class_items() -> None:
    p = program(r"[^\s\p{L}a-cx\-\]]")
    assert p.classes == [
        rp.CharClass(
            rp.SPACE | rp.LETTER,
            ((ord("-"), ord("-")), (ord("]"), ord("]")), (0x61, 0x63), (0x78, 0x78)),
            True,
        )
    ]


def test_lookahead_body_ends_in_match() -> None:
    p = program(r"a(?!\S)")
    ops = [op for op, _, _ in p.code]
    assert ops == [rp.CLASS, rp.NLOOK, rp.CLASS, rp.MATCH, rp.MATCH]
    assert p.code[1][1] == 4  # where to go on after the look-ahead


def test_every_table_regex_compiles() -> None:
    for row in PRETOKENIZERS:
        for expr in row.regexes:
            program(expr)
