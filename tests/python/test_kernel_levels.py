"""The manifest as the build's list of ISA levels: each level inherits the
requirements and flags of the one below, llmbm_build.kernel_levels prints what
kernels/x86_64/meson.build compiles, and every kernel file of the tree is
compiled exactly once (named by the manifest or, for the non-kernel files, by
meson.build)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from llmbm_build import BuildError
from llmbm_build.dispatch import load_manifest, resolve_tables
from llmbm_build.kernel_levels import main, meson_lines

# three feature bits, two XCR0 states, one op
HEAD = """
[ops]
vec_dot = "one row . activation"
[xcr0]
sse = 1
avx = 2
[cpuid]
sse2 = { leaf = 1, subleaf = 0, reg = "edx", bit = 26 }
avx2 = { leaf = 7, subleaf = 0, reg = "ebx", bit = 5 }
vnni = { leaf = 7, subleaf = 0, reg = "ecx", bit = 11 }
"""

# each level lists only what it adds
LEVELS = """
[[levels]]
name = "scalar"
[[levels]]
name = "sse2"
cpuid = ["sse2"]
cflags = ["-msse2"]
[[levels]]
name = "avx2"
cpuid = ["avx2"]
xcr0 = ["sse", "avx"]
cflags = ["-mavx2", "-mfma"]
[[levels]]
name = "vnni"
cpuid = ["vnni"]
cflags = ["-mavx512vnni"]
"""


def kernel(level: str, source: str, types: str) -> str:
    return f'[[kernels]]\nop = "vec_dot"\nlevel = "{level}"\nsource = "{source}"\ntypes = [{types}]\n'


KERNELS = (
    kernel("scalar", "dot_scalar.c", '"q8_0"')
    + kernel("avx2", "dot_avx2.c", '"q8_0"')
    + kernel("avx2", "dot_k_avx2.c", '"q4_K"')
    + kernel("avx2", "dot_avx2.c", '"q4_0"')
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(text)
    return path


def test_levels_inherit_requirements_and_flags(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, HEAD + LEVELS + KERNELS))
    by_name = {level.name: level for level in manifest.levels}
    assert by_name["vnni"].cpuid == ("sse2", "avx2", "vnni")
    assert by_name["vnni"].xcr0 == ("sse", "avx")
    assert by_name["vnni"].cflags == ("-msse2", "-mavx2", "-mfma", "-mavx512vnni")
    # the dispatcher's masks include every lower level's bits (sse2 26 -> cpuid index 0, ...)
    masks = [t.cpuid_mask for t in resolve_tables(manifest)]
    assert masks == [0b000, 0b001, 0b011, 0b111]


def test_meson_lines(tmp_path: Path) -> None:
    lines = meson_lines(load_manifest(write(tmp_path, HEAD + LEVELS + KERNELS)))
    assert lines == [
        "scalar||dot_scalar.c",
        "sse2|-msse2|",  # a level may have no kernels of its own yet
        "avx2|-msse2 -mavx2 -mfma|dot_avx2.c dot_k_avx2.c",  # each file once, in manifest order
        "vnni|-msse2 -mavx2 -mfma -mavx512vnni|",
    ]


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        (
            LEVELS.replace('name = "scalar"', 'name = "scalar"\ncflags = ["-O0"]'),
            "base level 'scalar' takes no cflags",
        ),
        (LEVELS.replace('"-mavx2", "-mfma"', '"-mavx2 -mfma"'), "is not one compiler option"),
        (LEVELS.replace('"-msse2"', '"msse2"'), "is not one compiler option"),
        (LEVELS.replace('cflags = ["-msse2"]', 'cflags = "-msse2"'), "'cflags' must be a list"),
    ],
)
def test_level_errors(tmp_path: Path, levels: str, message: str) -> None:
    with pytest.raises(BuildError, match=message):
        load_manifest(write(tmp_path, HEAD + levels + KERNELS))


def test_source_must_be_a_file_name(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"kernels\[1\]: source 'x86/dot_avx2.c' is not a .c file name"):
        load_manifest(write(tmp_path, HEAD + LEVELS + KERNELS.replace('"dot_avx2.c"', '"x86/dot_avx2.c"', 1)))


def test_cli_names_missing_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, HEAD + LEVELS + KERNELS)
    for name in ("dot_scalar.c", "dot_avx2.c"):
        (tmp_path / name).write_text("")
    assert main([str(path)]) == 1
    assert f"{path}: kernels name sources that do not exist: dot_k_avx2.c" in capsys.readouterr().err
    (tmp_path / "dot_k_avx2.c").write_text("")
    assert main([str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "avx2|-msse2 -mavx2 -mfma|dot_avx2.c dot_k_avx2.c"


def test_every_kernel_file_compiled_once(source_dir: Path) -> None:
    """A .c file of kernels/x86_64 missing from both lists would silently not be built."""
    kdir = source_dir / "kernels" / "x86_64"
    manifest = load_manifest(kdir / "manifest.toml")
    by_manifest = [s for level in manifest.levels for s in level.sources]
    support = re.search(r"^kernel_sources = files\(([^)]*)\)", (kdir / "meson.build").read_text(), re.M)
    assert support, "kernels/x86_64/meson.build: no kernel_sources = files(...)"
    by_meson = re.findall(r"'([A-Za-z0-9_]+\.c)'", support.group(1))
    named = by_manifest + by_meson
    assert sorted(named) == sorted(p.name for p in kdir.glob("*.c"))
    # and each level's own files carry its name, so its flags go to nothing else
    for level in manifest.levels:
        assert all(s.removesuffix(".c").endswith("_" + level.name) for s in level.sources), level.name


def test_avx512_lists_match_manifest(source_dir: Path) -> None:
    """avx512_entry_points.h's lists define both AVX-512 levels' row and matmul kernels: each level's
    manifest entries from its vec_dot/matmul files are exactly those lists (neither may drift)."""
    kdir = source_dir / "kernels" / "x86_64"
    header = (kdir / "avx512_entry_points.h").read_text()

    def entries(macro: str) -> list[tuple[str, str]]:
        body = re.search(rf"#define {macro}\(X, level\)((?:.*\\\n)*.*)", header)
        assert body, f"avx512_entry_points.h: no {macro}"
        return re.findall(r"X\((\w+), (\w+), level\)", body.group(1))

    rows, matmuls = entries("LLMBM_AVX512_ROW_KERNELS"), entries("LLMBM_AVX512_MATMUL_KERNELS")
    want = {
        "vec_dot": sorted(t for kind, t in rows if kind in ("DOT", "ROWS")),
        "matvec_rows": sorted(t for _, t in rows),
        "matmul_rows": sorted(t for _, t in matmuls),
    }
    manifest = load_manifest(kdir / "manifest.toml")
    for level in ("avx512", "avx512vnni"):
        for op, types in want.items():
            have = sorted(
                k.type
                for k in manifest.kernels
                if k.level == level and k.op == op and k.source in (f"vec_dot_{level}.c", f"matmul_{level}.c")
            )
            assert have == types, (level, op)
