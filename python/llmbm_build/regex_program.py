"""Compile the regexes of the pre-tokenizers to a small backtracking program.

The engine has no regex library, and the pre-tokenizers need only a subset:
literals, ``[...]`` classes (ranges, negation, ``\\s \\S \\d \\p{L N P M S}``),
``|``, groups (``(...)``, ``(?:...)``; nothing is captured), look-aheads
``(?=...)`` and ``(?!...)``, ``$`` and the greedy quantifiers ``? * + {m}
{m,} {m,n}``. Anything else is an error here, at build time, not a surprise
in the firmware.

A program is a list of instructions for firmware/engine/gguf/regex_vm.c:

* ``CLASS k``: the codepoint at the position is in class k; step over it.
* ``SPLIT a b``: try a; if that fails, try b from the same position.
* ``JMP a``.
* ``END``: the position is the end of the piece.
* ``LOOK a`` / ``NLOOK a``: the look-ahead body follows, ending in ``MATCH``;
  if it matches (does not match) here, go on at a, position unchanged.
* ``MATCH``: success.

Quantifiers are greedy and alternatives ordered, so the first match found is
the one Perl, ECMAScript (llama.cpp's std::regex) and Python's ``regex`` agree on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Unicode class bits; the same numbers as unicode_class.h's GGUF_UCD_*.
LETTER, NUMBER, SPACE, PUNCT, MARK, SYMBOL = 1, 2, 4, 8, 16, 32
CATEGORIES = {"L": LETTER, "N": NUMBER, "P": PUNCT, "M": MARK, "S": SYMBOL}
ESCAPED_CHARS = {"r": "\r", "n": "\n", "t": "\t", "f": "\f", "v": "\v"}

CLASS, SPLIT, JMP, END, LOOK, NLOOK, MATCH = range(7)
OP_NAMES = ("RX_CLASS", "RX_SPLIT", "RX_JMP", "RX_END", "RX_LOOK", "RX_NLOOK", "RX_MATCH")


class RegexError(ValueError):
    pass


@dataclass(frozen=True)
class CharClass:
    """Codepoints in any of the categories or ranges; negate flips that."""

    cats: int
    ranges: tuple[tuple[int, int], ...]
    negate: bool = False


@dataclass
class Node:
    kind: str  # class, cat, alt, rep, look, nlook, end
    cls: CharClass | None = None
    kids: list[Node] = field(default_factory=list)
    lo: int = 0
    hi: int | None = None  # None: unbounded


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def fail(self, what: str) -> RegexError:
        return RegexError(f"regex {self.s!r} at {self.i}: {what}")

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def take(self) -> str:
        c = self.peek()
        if not c:
            raise self.fail("unexpected end")
        self.i += 1
        return c

    def parse(self) -> Node:
        node = self.alternation()
        if self.i != len(self.s):
            raise self.fail("unbalanced ')'")
        return node

    def alternation(self) -> Node:
        alts = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            alts.append(self.sequence())
        return alts[0] if len(alts) == 1 else Node("alt", kids=alts)

    def sequence(self) -> Node:
        items: list[Node] = []
        while self.peek() not in ("", "|", ")"):
            items.append(self.quantified(self.atom()))
        return Node("cat", kids=items)

    def quantified(self, node: Node) -> Node:
        while True:
            c = self.peek()
            if c in ("?", "*", "+"):
                self.i += 1
                lo, hi = {"?": (0, 1), "*": (0, None), "+": (1, None)}[c]
            elif c == "{":
                close = self.s.find("}", self.i)
                if close < 0:
                    raise self.fail("unclosed '{'")
                body = self.s[self.i + 1 : close]
                lo_s, comma, hi_s = body.partition(",")
                if not lo_s.isdigit() or (hi_s and not hi_s.isdigit()):
                    raise self.fail(f"bad repeat {{{body}}}")
                lo, hi = int(lo_s), (int(hi_s) if hi_s else None) if comma else int(lo_s)
                self.i = close + 1
            else:
                return node
            if self.peek() in ("?", "+"):
                raise self.fail("lazy and possessive quantifiers are not supported")
            if node.kind in ("look", "nlook", "end"):
                raise self.fail("quantified assertion")
            node = Node("rep", kids=[node], lo=lo, hi=hi)

    def atom(self) -> Node:
        c = self.take()
        if c == "(":
            kind = "cat"
            if self.s.startswith("?:", self.i):
                self.i += 2
            elif self.s.startswith("?=", self.i):
                self.i, kind = self.i + 2, "look"
            elif self.s.startswith("?!", self.i):
                self.i, kind = self.i + 2, "nlook"
            elif self.peek() == "?":
                raise self.fail("unsupported group")
            body = self.alternation()
            if self.take() != ")":
                raise self.fail("expected ')'")
            return body if kind == "cat" else Node(kind, kids=[body])
        if c == "[":
            return Node("class", cls=self.bracket())
        if c == "$":
            return Node("end")
        if c == "\\":
            return Node("class", cls=self.escape())
        if c in ".^)]}?*+{":
            raise self.fail(f"unsupported {c!r}")
        return Node("class", cls=CharClass(0, ((ord(c), ord(c)),)))

    def escape(self) -> CharClass:
        """After a backslash: a class escape or an escaped character."""
        c = self.take()
        if c == "s":
            return CharClass(SPACE, ())
        if c == "S":
            return CharClass(SPACE, (), True)
        if c == "d":  # std::regex's \d is ASCII
            return CharClass(0, ((0x30, 0x39),))
        if c == "p":
            if self.take() != "{":
                raise self.fail("expected '{' after \\p")
            close = self.s.find("}", self.i)
            name = self.s[self.i : close]
            if close < 0 or name not in CATEGORIES:
                raise self.fail(f"unsupported category \\p{{{name}}}")
            self.i = close + 1
            return CharClass(CATEGORIES[name], ())
        if c in ESCAPED_CHARS:
            return CharClass(0, ((ord(ESCAPED_CHARS[c]),) * 2,))
        if c.isalnum():
            raise self.fail(f"unsupported escape \\{c}")
        return CharClass(0, ((ord(c), ord(c)),))

    def bracket(self) -> CharClass:
        negate = self.peek() == "^"
        self.i += negate
        cats = 0
        ranges: list[tuple[int, int]] = []
        first = True
        while first or self.peek() != "]":
            first = False
            c = self.take()
            if c == "\\":
                item = self.escape()
                if item.negate:
                    raise self.fail("negated class escape inside [...]")
                if item.cats or item.ranges[0][0] != item.ranges[0][1]:  # \s \p{..} \d
                    cats |= item.cats
                    ranges.extend(item.ranges)
                    continue
                lo = item.ranges[0][0]
            else:
                lo = ord(c)
            if self.peek() == "-" and self.i + 1 < len(self.s) and self.s[self.i + 1] != "]":
                self.i += 1
                h = self.take()
                if h == "\\":
                    esc = self.escape()
                    if esc.cats or len(esc.ranges) != 1 or esc.ranges[0][0] != esc.ranges[0][1]:
                        raise self.fail("range to a class")
                    hi = esc.ranges[0][0]
                else:
                    hi = ord(h)
                if hi < lo:
                    raise self.fail("reversed range")
                ranges.append((lo, hi))
            else:
                ranges.append((lo, lo))
        self.i += 1
        return CharClass(cats, _merge(ranges), negate)


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return tuple(out)


def parse(text: str) -> Node:
    return _Parser(text).parse()


def _nullable(n: Node) -> bool:
    if n.kind == "class":
        return False
    if n.kind == "cat":
        return all(_nullable(k) for k in n.kids)
    if n.kind == "alt":
        return any(_nullable(k) for k in n.kids)
    if n.kind == "rep":
        return n.lo == 0 or _nullable(n.kids[0])
    return True  # assertions consume nothing


@dataclass
class Program:
    """Instructions (op, a, b) and the classes they name."""

    code: list[tuple[int, int, int]] = field(default_factory=list)
    classes: list[CharClass] = field(default_factory=list)

    def emit(self, op: int, a: int = 0, b: int = 0) -> int:
        self.code.append((op, a, b))
        return len(self.code) - 1

    def patch(self, at: int, a: int | None = None, b: int | None = None) -> None:
        op, a0, b0 = self.code[at]
        self.code[at] = (op, a0 if a is None else a, b0 if b is None else b)

    def class_index(self, cls: CharClass) -> int:
        if cls not in self.classes:
            self.classes.append(cls)
        return self.classes.index(cls)


def _gen(p: Program, n: Node) -> None:
    if n.kind == "class":
        assert n.cls is not None
        p.emit(CLASS, p.class_index(n.cls))
    elif n.kind == "cat":
        for k in n.kids:
            _gen(p, k)
    elif n.kind == "alt":
        jumps = []
        for k in n.kids[:-1]:
            split = p.emit(SPLIT, len(p.code) + 1)
            _gen(p, k)
            jumps.append(p.emit(JMP))
            p.patch(split, b=len(p.code))
        _gen(p, n.kids[-1])
        for j in jumps:
            p.patch(j, a=len(p.code))
    elif n.kind == "rep":
        body = n.kids[0]
        for _ in range(n.lo):
            _gen(p, body)
        if n.hi is None:
            if _nullable(body):
                raise RegexError("a loop over something that can match empty text")
            top = p.emit(SPLIT, len(p.code) + 1)
            _gen(p, body)
            p.emit(JMP, top)
            p.patch(top, b=len(p.code))
        else:
            splits = []
            for _ in range(n.hi - n.lo):
                splits.append(p.emit(SPLIT, len(p.code) + 1))
                _gen(p, body)
            for s in splits:
                p.patch(s, b=len(p.code))
    elif n.kind in ("look", "nlook"):
        at = p.emit(LOOK if n.kind == "look" else NLOOK)
        _gen(p, n.kids[0])
        p.emit(MATCH)
        p.patch(at, a=len(p.code))
    elif n.kind == "end":
        p.emit(END)
    else:
        raise AssertionError(n.kind)


def compile_into(p: Program, text: str) -> int:
    """Appends the program of one regex to p; returns its first instruction."""
    start = len(p.code)
    _gen(p, parse(text))
    p.emit(MATCH)
    return start
