"""The weight type table, kernels/x86_64/type_table.def, as Python reads it.

C includes that file as an X-macro list; this module parses the same lines so that the
dispatch generator and the ctypes tests take ids, names, block geometry and layouts from
the one place they are written. It also decides, from a level's resolved kernel table,
which in-memory layout that level's kernels want for each file type (the
``layouts`` member of the generated ``llmbm_kernel_table``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from llmbm_build import BuildError

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "kernels" / "x86_64" / "type_table.def"

# macro -> its parameters after (id, NAME, name); the role is the macro's
MACROS: dict[str, tuple[str, ...]] = {
    "LLMBM_WEIGHT_TYPE": ("block_size", "block_bytes", "act"),
    "LLMBM_ACT_TYPE": ("block_size", "block_bytes"),
    "LLMBM_FILE_TYPE": ("block_size", "block_bytes"),
    "LLMBM_LAYOUT": ("base", "group_rows"),
}
ROLES = {
    "LLMBM_WEIGHT_TYPE": "weight",
    "LLMBM_ACT_TYPE": "act",
    "LLMBM_FILE_TYPE": "file",
    "LLMBM_LAYOUT": "layout",
}
ACT_MACROS = ("LLMBM_WEIGHT_TYPE", "LLMBM_ACT_TYPE")  # what an ACT argument may name
_ENTRY = re.compile(r"^(LLMBM_[A-Z_]+)\((.*)\)$")
_IDENT = re.compile(r"^[A-Z][A-Z0-9_]*$")
_NAME = re.compile(r'^"([a-z][A-Za-z0-9_]*)"$')
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
MAX_IDS = 256  # the generated layout choices store ids as uint8_t


@dataclass(frozen=True)
class WeightType:
    id: int
    enum: str  # the C enumerator is LLMBM_<enum>
    name: str  # ggml's name, manifest.toml's
    role: str  # "weight", "act", "file" or "layout"
    block_size: int
    block_bytes: int
    act: str | None  # the vec_dot type's name; None for file-only types
    base: str  # a layout's file type; the type itself otherwise
    group_rows: int  # 1, or the rows a layout interleaves

    @property
    def in_files(self) -> bool:
        return self.role != "layout"

    @property
    def has_kernels(self) -> bool:
        return self.role != "file"


@dataclass(frozen=True)
class TypeTable:
    path: Path
    types: tuple[WeightType, ...]  # in id order

    @property
    def count(self) -> int:
        """LLMBM_TYPE_COUNT: one past the highest id (the size of per-type arrays)."""
        return self.types[-1].id + 1

    def __getitem__(self, name: str) -> WeightType:
        for t in self.types:
            if t.name == name:
                return t
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(t.name == name for t in self.types)

    def layouts_of(self, base: str) -> list[WeightType]:
        return [t for t in self.types if t.role == "layout" and t.base == base]


@dataclass(frozen=True)
class _Entry:
    where: str  # file:line, for messages
    macro: str
    id: int
    enum: str
    name: str
    params: dict[str, str]


def _number(entry: _Entry, key: str) -> int:
    text = entry.params[key]
    if not re.fullmatch(r"[0-9]+", text) or int(text) == 0:
        raise BuildError(f"{entry.where}: {key} must be a positive decimal number, not {text!r}")
    return int(text)


def _entries(text: str, path: Path) -> list[_Entry]:
    # comments become blank lines, so line numbers stay the file's
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    entries: list[_Entry] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):  # the .def's own macro defaults
            continue
        where = f"{path}:{number}"
        m = _ENTRY.match(line)
        if not m or m.group(1) not in MACROS:
            raise BuildError(f"{where}: not an entry ({', '.join(MACROS)}): {line!r}")
        macro, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
        if len(args) != 3 + len(MACROS[macro]):
            raise BuildError(f"{where}: {macro} takes {3 + len(MACROS[macro])} arguments, not {len(args)}")
        name = _NAME.match(args[2])
        if not re.fullmatch(r"[0-9]+", args[0]) or not _IDENT.match(args[1]) or not name:
            raise BuildError(f'{where}: expected id, NAME, "name", not {", ".join(args[:3])}')
        params = dict(zip(MACROS[macro], args[3:], strict=True))
        entry = _Entry(where, macro, int(args[0]), args[1], name.group(1), params)
        if entry.enum != entry.name.upper():
            raise BuildError(f"{where}: NAME {entry.enum} must be the name {entry.name!r} upper-cased")
        if entries and entry.id <= entries[-1].id:
            raise BuildError(f"{where}: id {entry.id} after {entries[-1].id}: ids must increase")
        if entry.id >= MAX_IDS:
            raise BuildError(f"{where}: id {entry.id} does not fit below {MAX_IDS}")
        if any(e.name == entry.name for e in entries):
            raise BuildError(f"{where}: {entry.name!r} listed twice")
        entries.append(entry)
    if not entries:
        raise BuildError(f"{path}: no entries")
    return entries


def parse(text: str, path: Path) -> TypeTable:
    entries = _entries(text, path)
    by_enum = {e.enum: e for e in entries}

    def refer(entry: _Entry, key: str, macros: tuple[str, ...]) -> _Entry:
        other = by_enum.get(entry.params[key])
        if other is None or other.macro not in macros:
            wanted = " or ".join(macros)
            raise BuildError(f"{entry.where}: {key} {entry.params[key]!r} is not a {wanted} entry")
        return other

    types: list[WeightType] = []
    for e in entries:
        role = ROLES[e.macro]
        if e.macro == "LLMBM_LAYOUT":
            base = refer(e, "base", ("LLMBM_WEIGHT_TYPE",))
            act: str | None = refer(base, "act", ACT_MACROS).name
            geometry, base_name, group_rows = base, base.name, _number(e, "group_rows")
        else:
            if e.macro == "LLMBM_WEIGHT_TYPE":
                act = refer(e, "act", ACT_MACROS).name
            else:  # an activation format is its own; a file-only type has none
                act = e.name if e.macro == "LLMBM_ACT_TYPE" else None
            geometry, base_name, group_rows = e, e.name, 1
        size, nbytes = _number(geometry, "block_size"), _number(geometry, "block_bytes")
        types.append(WeightType(e.id, e.enum, e.name, role, size, nbytes, act, base_name, group_rows))
    return TypeTable(path, tuple(types))


def load(path: Path = DEFAULT_PATH) -> TypeTable:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise BuildError(f"{path}: {err}") from err
    return parse(text, path)


def layout_choices(
    table: TypeTable, matvec_rows: dict[str, tuple[str, str]], reference_level: str
) -> dict[str, tuple[str | None, str | None]]:
    """The layouts one level's kernels want, per file type that has any: (grouped, single).

    ``matvec_rows`` is the level's resolved matvec_rows entries (type -> (symbol, providing
    level)). ``grouped`` is an interleaved layout (group_rows > 1) whose matvec_rows this
    level takes from a level above the reference one: the reference (scalar) kernels of the
    interleaved layouts are slower than those of the plain types, so only SIMD kernels make
    one worth it. ``single`` is a layout of single rows the level has matvec_rows for, the
    choice when the rows do not fill whole groups. None: the type as stored.
    """
    choices: dict[str, tuple[str | None, str | None]] = {}
    for t in table.types:
        if not t.in_files:
            continue
        layouts = [x for x in table.layouts_of(t.name) if x.name in matvec_rows]
        single = next((x.name for x in layouts if x.group_rows == 1), None)
        grouped = next(
            (x.name for x in layouts if x.group_rows > 1 and matvec_rows[x.name][1] != reference_level), None
        )
        if grouped or single:
            choices[t.name] = (grouped, single)
    return choices
