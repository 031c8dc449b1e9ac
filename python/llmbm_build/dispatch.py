"""Kernel dispatch tables from kernels/x86_64/manifest.toml.

Renders ``kernel_dispatch.h`` and ``kernel_dispatch.c``: one table per ISA level
mapping (op, type) to a kernel, filled from the best level at or below it that
has one, and ``llmbm_kernels_best_level()`` that picks the most capable level
the CPU's CPUID bits and the enabled XCR0 state allow.

Usage (a meson custom target)::

    python3 -m llmbm_build.dispatch MANIFEST --out-c kernel_dispatch.c --out-h kernel_dispatch.h
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from llmbm_build import BuildError, type_table
from llmbm_build.type_table import TypeTable

REGISTERS = ("eax", "ebx", "ecx", "edx")
IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SOURCE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.c$")  # a file beside the manifest
CFLAG = re.compile(
    r"^-[A-Za-z0-9][A-Za-z0-9_=.,+-]*$"
)  # one option: no spaces, nothing a shell or meson splits
TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class CpuidBit:
    name: str
    leaf: int
    subleaf: int
    reg: int  # index into REGISTERS
    bit: int


@dataclass(frozen=True)
class Kernel:
    op: str
    type: str
    level: str
    symbol: str
    source: str
    cpuid: tuple[str, ...]
    xcr0: tuple[str, ...]


@dataclass(frozen=True)
class Level:
    name: str
    description: str
    header: str | None
    # Each of these holds the lower levels' entries, then the level's own
    # (a manifest level lists only what it adds): a CPU that runs a level runs
    # every lower one, so falling back to a lower level's kernel is safe.
    cpuid: tuple[str, ...]  # required feature bits, with those of its kernels
    xcr0: tuple[str, ...]
    cflags: tuple[str, ...]  # compiler flags of its own static library
    sources: tuple[str, ...]  # the files its kernels are in, in manifest order


@dataclass(frozen=True)
class Manifest:
    path: Path
    cpuid: tuple[CpuidBit, ...]
    xcr0: dict[str, int]
    ops: tuple[str, ...]
    levels: tuple[Level, ...]
    kernels: tuple[Kernel, ...]
    types: tuple[str, ...]  # every type any kernel handles, in manifest order
    # op -> the op whose results it must reproduce bit for bit ([identical_to]): an entry of the op is kept
    # only where the other op's entry for the type comes from the same level
    identical_to: dict[str, str]
    type_table: TypeTable  # kernels/x86_64/type_table.def: the types kernels may name


@dataclass(frozen=True)
class Table:
    """The resolved table of one level: op -> type -> (symbol, providing level)."""

    level: Level
    index: int
    cpuid_mask: int
    xcr0_mask: int
    entries: dict[str, dict[str, tuple[str, str]]]


class _Reader:
    """Field access on TOML tables with errors that name the file and place."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> BuildError:
        return BuildError(f"{self.path}: {where}: {message}")

    def get(self, table: dict[str, Any], key: str, kind: type, where: str, default: Any = None) -> Any:
        if key not in table:
            if default is not None:
                return default
            raise self.fail(where, f"missing key '{key}'")
        value = table[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            raise self.fail(where, f"'{key}' must be a {kind.__name__}, not {type(value).__name__}")
        return value

    def ident(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not IDENT.match(value):
            raise self.fail(where, f"{value!r} is not a C identifier fragment")
        return value

    def names(
        self, table: dict[str, Any], key: str, known: set[str] | dict[str, Any], where: str
    ) -> tuple[str, ...]:
        values = self.get(table, key, list, where, default=[])
        for value in values:
            if value not in known:
                raise self.fail(where, f"unknown {key} name {value!r} (known: {', '.join(sorted(known))})")
        return tuple(values)


def _merge(*groups: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for name in group:
            seen[name] = None
    return tuple(seen)


def load_manifest(path: Path, types: TypeTable | None = None) -> Manifest:
    r = _Reader(path)
    types = types or type_table.load()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise BuildError(f"{path}: {err}") from err

    cpuid: list[CpuidBit] = []
    for name, spec in r.get(data, "cpuid", dict, "top level").items():
        where = f"cpuid.{name}"
        r.ident(name, where)
        reg = r.get(spec, "reg", str, where)
        if reg not in REGISTERS:
            raise r.fail(where, f"reg must be one of {', '.join(REGISTERS)}")
        bit = r.get(spec, "bit", int, where)
        if not 0 <= bit < 32:
            raise r.fail(where, f"bit {bit} out of range 0..31")
        leaf, subleaf = r.get(spec, "leaf", int, where), r.get(spec, "subleaf", int, where)
        cpuid.append(CpuidBit(name, leaf, subleaf, REGISTERS.index(reg), bit))
    if len(cpuid) > 64:
        raise r.fail("cpuid", "more than 64 feature bits do not fit the uint64_t mask")

    xcr0: dict[str, int] = {}
    for name, bit in r.get(data, "xcr0", dict, "top level").items():
        r.ident(name, f"xcr0.{name}")
        if isinstance(bit, bool) or not isinstance(bit, int) or not 0 <= bit < 64:
            raise r.fail(f"xcr0.{name}", "must be a bit number 0..63")
        xcr0[name] = bit

    ops = tuple(r.ident(op, "ops") for op in r.get(data, "ops", dict, "top level"))
    cpuid_names = {c.name for c in cpuid}

    raw_levels = r.get(data, "levels", list, "top level")
    if not raw_levels:
        raise r.fail("levels", "at least one level is needed")
    level_names: list[str] = []
    for i, spec in enumerate(raw_levels):
        name = r.ident(r.get(spec, "name", str, f"levels[{i}]"), f"levels[{i}]")
        if name in level_names:
            raise r.fail(f"levels[{i}]", f"duplicate level {name!r}")
        level_names.append(name)

    kernels: list[Kernel] = []
    seen: set[tuple[str, str, str]] = set()
    for i, spec in enumerate(r.get(data, "kernels", list, "top level")):
        where = f"kernels[{i}]"
        op = r.get(spec, "op", str, where)
        if op not in ops:
            raise r.fail(where, f"unknown op {op!r} (known: {', '.join(ops)})")
        level = r.get(spec, "level", str, where)
        if level not in level_names:
            raise r.fail(where, f"unknown level {level!r}")
        source = r.get(spec, "source", str, where)
        if not SOURCE.match(source):
            raise r.fail(where, f"source {source!r} is not a .c file name of kernels/x86_64")
        extra_cpuid = r.names(spec, "cpuid", cpuid_names, where)
        extra_xcr0 = r.names(spec, "xcr0", xcr0, where)
        symbol_fmt = r.get(spec, "symbol", str, where, default="llmbm_{op}_{type}_{level}")
        for t in r.get(spec, "types", list, where):
            r.ident(t, where)
            _check_type(r, types, t, where)
            key = (op, t, level)
            if key in seen:
                raise r.fail(where, f"kernel {op}/{t} listed twice for level {level}")
            seen.add(key)
            symbol = r.ident(symbol_fmt.format(op=op, type=t, level=level), where)
            kernels.append(Kernel(op, t, level, symbol, source, extra_cpuid, extra_xcr0))

    levels: list[Level] = []
    for i, spec in enumerate(raw_levels):
        where = f"levels[{i}]"
        name = level_names[i]
        own = [k for k in kernels if k.level == name]
        below = levels[-1] if levels else None
        cflags = tuple(r.get(spec, "cflags", list, where, default=[]))
        for flag in cflags:
            if not isinstance(flag, str) or not CFLAG.match(flag):
                raise r.fail(where, f"cflags entry {flag!r} is not one compiler option")
        if below is None and cflags:
            # the base level goes into kernel_sources, compiled with each consumer's own flags
            raise r.fail(where, f"the base level {name!r} takes no cflags")
        levels.append(
            Level(
                name=name,
                description=r.get(spec, "description", str, where, default=name),
                header=spec.get("header"),
                cpuid=_merge(
                    below.cpuid if below else (),
                    r.names(spec, "cpuid", cpuid_names, where),
                    *(k.cpuid for k in own),
                ),
                xcr0=_merge(
                    below.xcr0 if below else (), r.names(spec, "xcr0", xcr0, where), *(k.xcr0 for k in own)
                ),
                cflags=_merge(below.cflags if below else (), cflags),
                sources=_merge(tuple(k.source for k in own)),
            )
        )

    identical_to: dict[str, str] = {}
    for op, other in r.get(data, "identical_to", dict, "top level", default={}).items():
        if op not in ops or other not in ops or op == other:
            raise r.fail(f"identical_to.{op}", f"needs two different ops of [ops], not {op!r} and {other!r}")
        identical_to[op] = other
    provided = {(k.op, k.type, k.level) for k in kernels}
    for k in kernels:
        other = identical_to.get(k.op)
        if other and (other, k.type, k.level) not in provided:
            # the kernel can only be checked against (and be identical to) its own level's one
            raise r.fail(
                f"kernels ({k.op} {k.type} at {k.level})",
                f"{k.op} must reproduce {other} of its own level, "
                f"and level {k.level!r} has no {other} for {k.type!r}",
            )

    kernel_types = tuple(dict.fromkeys(k.type for k in kernels))
    return Manifest(
        path, tuple(cpuid), xcr0, ops, tuple(levels), tuple(kernels), kernel_types, identical_to, types
    )


def _check_type(r: _Reader, types: TypeTable, name: str, where: str) -> None:
    if name not in types:
        raise r.fail(where, f"type {name!r} is not in {types.path}")
    if not types[name].has_kernels:
        raise r.fail(where, f"type {name!r} is LLMBM_FILE_TYPE in {types.path}: no kernel takes it")


def resolve_tables(manifest: Manifest) -> list[Table]:
    cpuid_index = {c.name: i for i, c in enumerate(manifest.cpuid)}
    tables: list[Table] = []
    entries: dict[str, dict[str, tuple[str, str]]] = {op: {} for op in manifest.ops}
    for index, level in enumerate(manifest.levels):
        # start from the level below: a missing kernel falls back to it
        entries = {op: dict(by_type) for op, by_type in entries.items()}
        for k in manifest.kernels:
            if k.level == level.name:
                entries[k.op][k.type] = (k.symbol, k.level)
        for op, other in manifest.identical_to.items():
            # an inherited kernel reproduces the lower level's `other`, not this level's: leave the slot
            # empty (NULL) where the two come from different levels; the caller loops over `other` instead
            for t, (_, provider) in list(entries[op].items()):
                if entries[other].get(t, ("", ""))[1] != provider:
                    del entries[op][t]
        cpuid_mask = sum(1 << cpuid_index[n] for n in level.cpuid)
        xcr0_mask = sum(1 << manifest.xcr0[n] for n in level.xcr0)
        tables.append(Table(level, index, cpuid_mask, xcr0_mask, entries))
    return tables


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(manifest: Manifest, header_name: str = "kernel_dispatch.h") -> tuple[str, str]:
    """Return the (header, source) texts."""
    tables = resolve_tables(manifest)
    context = {
        "manifest_name": manifest.path.name,
        "header_name": header_name,
        "cpuid": manifest.cpuid,
        "registers": REGISTERS,
        "xcr0": manifest.xcr0,
        "ops": manifest.ops,
        "levels": manifest.levels,
        "kernels": manifest.kernels,
        "types": manifest.types,
        "tables": tables,
        "layouts": {
            t.level.name: type_table.layout_choices(
                manifest.type_table, t.entries.get("matvec_rows", {}), manifest.levels[0].name
            )
            for t in tables
        },
    }
    env = _environment()
    header = env.get_template("kernel_dispatch.h.j2").render(context)
    source = env.get_template("kernel_dispatch.c.j2").render(context)
    return header, source


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llmbm_build.dispatch", description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--out-c", type=Path, required=True)
    parser.add_argument("--out-h", type=Path, required=True)
    parser.add_argument("--type-table", type=Path, default=type_table.DEFAULT_PATH)
    args = parser.parse_args(argv)
    try:
        manifest = load_manifest(args.manifest, type_table.load(args.type_table))
        header, source = render(manifest, args.out_h.name)
    except BuildError as err:
        print(f"dispatch: {err}", file=sys.stderr)
        return 1
    args.out_h.write_text(header, encoding="utf-8")
    args.out_c.write_text(source, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
