"""llmbm_build.dispatch: manifest validation, and generated tables that compile
and pick the right ISA level for given CPUID bits and XCR0 state, using a
made-up multi-level manifest (test_kernel_levels.py: the levels as the build
reads them)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from llmbm_build import BuildError
from llmbm_build.dispatch import load_manifest, render, resolve_tables

CPUID = """
[cpuid]
sse2 = { leaf = 1, subleaf = 0, reg = "edx", bit = 26 }
fma = { leaf = 1, subleaf = 0, reg = "ecx", bit = 12 }
avx2 = { leaf = 7, subleaf = 0, reg = "ebx", bit = 5 }
avx512f = { leaf = 7, subleaf = 0, reg = "ebx", bit = 16 }
avx512bw = { leaf = 7, subleaf = 0, reg = "ebx", bit = 30 }
vnni = { leaf = 7, subleaf = 0, reg = "ecx", bit = 11 }

[xcr0]
sse = 1
avx = 2
opmask = 5
zmm_hi256 = 6
hi16_zmm = 7

[ops]
vec_dot = "dot"
matvec_rows = "mat-vec"
"""

LEVELS = """
[[levels]]
name = "scalar"
[[levels]]
name = "sse2"
cpuid = ["sse2"]
[[levels]]
name = "avx2"
cpuid = ["sse2", "avx2", "fma"]
xcr0 = ["sse", "avx"]
[[levels]]
name = "avx512"
cpuid = ["sse2", "avx2", "fma", "avx512f", "avx512bw"]
xcr0 = ["sse", "avx", "opmask", "zmm_hi256", "hi16_zmm"]
"""

KERNELS = """
[[kernels]]
op = "vec_dot"
level = "scalar"
source = "x.c"
types = ["q4_0", "q8_0"]
[[kernels]]
op = "matvec_rows"
level = "scalar"
source = "x.c"
types = ["q4_0"]
[[kernels]]
op = "vec_dot"
level = "sse2"
source = "x.c"
types = ["q4_0"]
[[kernels]]
op = "vec_dot"
level = "avx2"
source = "x.c"
types = ["q4_0", "q8_0"]
[[kernels]]
op = "vec_dot"
level = "avx512"
source = "x.c"
types = ["q4_0"]
# a kernel needing more than its level: the level inherits the requirement
cpuid = ["vnni"]
"""

LEVEL_VALUE = {"scalar": 0, "sse2": 1, "avx2": 2, "avx512": 3}

BIT = {"sse2": 1 << 0, "fma": 1 << 1, "avx2": 1 << 2, "avx512f": 1 << 3, "avx512bw": 1 << 4, "vnni": 1 << 5}
XCR0_SSE_AVX = (1 << 1) | (1 << 2)
XCR0_ALL = XCR0_SSE_AVX | (1 << 5) | (1 << 6) | (1 << 7)

DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "kernel_dispatch.h"

/* each fake kernel returns its level's number */
#define FAKE_DOT(sym, v) \
    float sym(const void *w, const void *x, size_t n) { (void)w; (void)x; (void)n; return v; }
FAKE_DOT(llmbm_vec_dot_q4_0_scalar, 0)
FAKE_DOT(llmbm_vec_dot_q8_0_scalar, 0)
FAKE_DOT(llmbm_vec_dot_q4_0_sse2, 1)
FAKE_DOT(llmbm_vec_dot_q4_0_avx2, 2)
FAKE_DOT(llmbm_vec_dot_q8_0_avx2, 2)
FAKE_DOT(llmbm_vec_dot_q4_0_avx512, 3)
void llmbm_matvec_rows_q4_0_scalar(const llmbm_weight *w, const void *x, float *out, size_t b, size_t e)
{
    (void)w; (void)x; (void)out; (void)b; (void)e;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    const llmbm_cpu_features cpu = {strtoull(argv[1], NULL, 0), strtoull(argv[2], NULL, 0)};
    const llmbm_isa_level best = llmbm_kernels_best_level(&cpu);
    printf("best %s\n", llmbm_isa_level_name(best));
    for (int l = 0; l < LLMBM_ISA_COUNT; ++l) {
        const llmbm_kernel_table *t = llmbm_kernels_select((llmbm_isa_level)l);
        printf("%s q4_0=%g q8_0=%g mv=%d named=%d\n", t->name,
               (double)llmbm_kernel_vec_dot(t, LLMBM_Q4_0)(NULL, NULL, 0),
               (double)llmbm_kernel_vec_dot(t, LLMBM_Q8_0)(NULL, NULL, 0),
               llmbm_kernel_matvec_rows(t, LLMBM_Q4_0) == llmbm_matvec_rows_q4_0_scalar,
               llmbm_isa_level_from_name(t->name));
    }
    return llmbm_kernel_vec_dot(llmbm_kernels_select(0), LLMBM_Q4_1) == NULL ? 0 : 3;
}
"""


def write_manifest(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory, source_dir: Path) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.fail("no C compiler (cc) found")
    tmp = tmp_path_factory.mktemp("dispatch")
    manifest = load_manifest(write_manifest(tmp, CPUID + LEVELS + KERNELS))
    header, source = render(manifest)
    (tmp / "kernel_dispatch.h").write_text(header)
    (tmp / "kernel_dispatch.c").write_text(source)
    (tmp / "driver.c").write_text(DRIVER)
    exe = tmp / "driver"
    subprocess.run(
        [
            compiler,
            "-std=gnu11",
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{tmp}",
            f"-I{source_dir / 'kernels' / 'x86_64'}",
            f"-I{source_dir / 'firmware' / 'engine'}",
            "-o",
            str(exe),
            str(tmp / "kernel_dispatch.c"),
            str(tmp / "driver.c"),
        ],
        check=True,
    )
    return exe


def run_driver(exe: Path, cpuid: int, xcr0: int) -> list[str]:
    out = subprocess.run([str(exe), hex(cpuid), hex(xcr0)], check=True, capture_output=True, text=True)
    return out.stdout.splitlines()


@pytest.mark.parametrize(
    ("cpuid", "xcr0", "best"),
    [
        (0, 0, "scalar"),
        (BIT["sse2"], 0, "sse2"),
        # AVX2 in CPUID but the AVX state not enabled (OVMF's default)
        (BIT["sse2"] | BIT["avx2"] | BIT["fma"], 0, "sse2"),
        (BIT["sse2"] | BIT["avx2"] | BIT["fma"], XCR0_SSE_AVX, "avx2"),
        (BIT["sse2"] | BIT["avx2"], XCR0_SSE_AVX, "sse2"),  # no FMA
        # AVX-512 in CPUID, ZMM state off
        (sum(BIT.values()), XCR0_SSE_AVX, "avx2"),
        # AVX-512 without the VNNI its q4_0 kernel needs
        (sum(BIT.values()) - BIT["vnni"], XCR0_ALL, "avx2"),
        (sum(BIT.values()), XCR0_ALL, "avx512"),
    ],
)
def test_best_level(driver: Path, cpuid: int, xcr0: int, best: str) -> None:
    assert run_driver(driver, cpuid, xcr0)[0] == f"best {best}"


def test_tables_and_fallback(driver: Path) -> None:
    lines = run_driver(driver, 0, 0)[1:]
    assert lines == [
        "scalar q4_0=0 q8_0=0 mv=1 named=0",
        "sse2 q4_0=1 q8_0=0 mv=1 named=1",  # q8_0 and matvec from scalar
        "avx2 q4_0=2 q8_0=2 mv=1 named=2",
        "avx512 q4_0=3 q8_0=2 mv=1 named=3",  # q8_0 from avx2
    ]


def test_resolve_records_provider(tmp_path: Path) -> None:
    tables = resolve_tables(load_manifest(write_manifest(tmp_path, CPUID + LEVELS + KERNELS)))
    assert [t.level.name for t in tables] == list(LEVEL_VALUE)
    assert tables[3].entries["vec_dot"]["q8_0"] == ("llmbm_vec_dot_q8_0_avx2", "avx2")
    assert "vnni" in tables[3].level.cpuid


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[[kernels]]\nop = "vec_dot"\nlevel = "sse2"\nsource = "x.c"\ntypes = ["q4_0"]\n', "listed twice"),
        ('[[kernels]]\nop = "vec_dot"\nlevel = "neon"\nsource = "x.c"\ntypes = ["q4_0"]\n', "unknown level"),
        ('[[kernels]]\nop = "softmax"\nlevel = "sse2"\nsource = "x.c"\ntypes = ["f32"]\n', "unknown op"),
        ('[[kernels]]\nop = "vec_dot"\nlevel = "sse2"\nsource = "x.c"\ntypes = ["q4-0"]\n', "identifier"),
        (
            '[[kernels]]\nop = "vec_dot"\nlevel = "sse2"\nsource = "x.c"\ntypes = ["f16"]\n'
            'cpuid = ["sse9"]\n',
            "unknown cpuid",
        ),
    ],
)
def test_manifest_errors(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(BuildError, match=message):
        load_manifest(write_manifest(tmp_path, CPUID + LEVELS + KERNELS + extra))


def test_level_inherits_lower_requirements(tmp_path: Path) -> None:
    # avx2 stating only its additions still requires sse2: a CPU picked for avx2 runs sse2's kernels
    levels = LEVELS.replace('name = "avx2"\ncpuid = ["sse2", ', 'name = "avx2"\ncpuid = [')
    stated, inherited = (
        resolve_tables(load_manifest(write_manifest(tmp_path, CPUID + t + KERNELS))) for t in (LEVELS, levels)
    )
    assert [t.cpuid_mask for t in stated] == [t.cpuid_mask for t in inherited]
    assert inherited[2].cpuid_mask & 1  # sse2 is cpuid bit index 0


def _with_local_includes(kdir: Path, name: str, seen: set[str]) -> str:
    """A kernel file's text followed by that of the kernels/x86_64 headers it includes, recursively."""
    if name in seen or not (kdir / name).is_file():
        return ""
    seen.add(name)
    text = (kdir / name).read_text()
    return text + "".join(
        _with_local_includes(kdir, h, seen) for h in re.findall(r'#include "([^"]+)"', text)
    )


def test_real_manifest_sources(source_dir: Path) -> None:
    """Every kernel in the tree's manifest is defined in the file it names."""
    kdir = source_dir / "kernels" / "x86_64"
    manifest = load_manifest(kdir / "manifest.toml")
    texts: dict[str, str] = {}
    for k in manifest.kernels:
        text = texts.setdefault(k.source, _with_local_includes(kdir, k.source, set()))
        # defined directly, through the file's generator macro, through row_entry_points.h's macros, or as
        # an entry of avx512_entry_points.h's lists (the AVX-512 bodies name their level by macro)
        stem = k.symbol.removesuffix(f"_{k.level}").removeprefix(f"llmbm_{k.op}_")
        entry = [f"_ENTRY_POINTS({stem}, {k.level})"]
        if f"llmbm_{k.op}_{stem}_##level(" in text:  # a macro of the level alone (attention_kv_body.h)
            entry.append(f"_ENTRY_POINTS({k.level})")
        if f"#define LLMBM_AVX512_SUFFIX {k.level}\n" in text:
            entry += [f"_ENTRY_POINTS({stem}, LLMBM_AVX512_SUFFIX)", f", {stem}, level)"]
        assert f"{k.symbol}(" in text or f"({stem})" in text or any(e in text for e in entry), (
            f"{k.symbol} not in {k.source}"
        )


def test_generated_tables_in_build(build_dir: Path) -> None:
    text = (build_dir / "kernels" / "x86_64" / "kernel_dispatch.c").read_text()
    assert "[LLMBM_Q4_K] = llmbm_matvec_rows_q4_K_scalar," in text


def test_freestanding_symbols(build_dir: Path) -> None:
    """The EFI-flagged build of the kernels needs nothing from libc or libm."""
    nm = shutil.which("nm")
    if nm is None:
        pytest.fail("nm not found")
    lib = build_dir / "kernels" / "x86_64" / "libllmbm_kernels_freestanding.a"
    out = subprocess.run(
        [nm, "--undefined-only", "--format=just-symbols", str(lib)],
        check=True,
        capture_output=True,
        text=True,
    )
    undefined = {s for s in out.stdout.split() if not s.endswith(":")}
    allowed = {"memcpy", "memset", "_GLOBAL_OFFSET_TABLE_"}
    foreign = {s for s in undefined if not s.startswith("llmbm_")} - allowed
    assert not foreign, f"freestanding kernels call {sorted(foreign)}"


MATMUL_OPS = CPUID.replace(
    'matvec_rows = "mat-vec"\n',
    'matvec_rows = "mat-vec"\nmatmul_rows = "mat-mul"\n\n[identical_to]\nmatmul_rows = "matvec_rows"\n',
)
MATMUL_KERNELS = """
[[kernels]]
op = "matvec_rows"
level = "scalar"
source = "x.c"
types = ["q4_0", "q8_0"]
[[kernels]]
op = "matmul_rows"
level = "scalar"
source = "x.c"
types = ["q4_0", "q8_0"]
[[kernels]]
op = "matvec_rows"
level = "avx2"
source = "x.c"
types = ["q4_0"]
"""


def test_identical_op_inherited_only_with_its_pair(tmp_path: Path) -> None:
    """A level that has its own matvec_rows for a type must not carry a lower level's matmul_rows for it: that
    one reproduces the lower level's mat-vec, not this level's."""
    tables = resolve_tables(load_manifest(write_manifest(tmp_path, MATMUL_OPS + LEVELS + MATMUL_KERNELS)))
    by_level = {t.level.name: t.entries["matmul_rows"] for t in tables}
    assert by_level["scalar"] == {
        "q4_0": ("llmbm_matmul_rows_q4_0_scalar", "scalar"),
        "q8_0": ("llmbm_matmul_rows_q8_0_scalar", "scalar"),
    }
    assert by_level["sse2"] == by_level["scalar"]  # both ops inherited together
    assert by_level["avx2"] == {"q8_0": ("llmbm_matmul_rows_q8_0_scalar", "scalar")}  # q4_0: own matvec_rows
    assert by_level["avx512"] == by_level["avx2"]  # stays empty above, where matvec_rows comes from avx2
    header, source = render(load_manifest(write_manifest(tmp_path, MATMUL_OPS + LEVELS + MATMUL_KERNELS)))
    assert "llmbm_kernel_matmul_rows(" in header


def test_identical_op_needs_its_pair_at_its_level(tmp_path: Path) -> None:
    extra = '[[kernels]]\nop = "matmul_rows"\nlevel = "sse2"\nsource = "x.c"\ntypes = ["q4_0"]\n'
    with pytest.raises(BuildError, match="level 'sse2' has no matvec_rows for 'q4_0'"):
        load_manifest(write_manifest(tmp_path, MATMUL_OPS + LEVELS + MATMUL_KERNELS + extra))


def test_identical_to_names_ops(tmp_path: Path) -> None:
    bad = MATMUL_OPS.replace('matmul_rows = "matvec_rows"', 'matmul_rows = "matvec"')
    with pytest.raises(BuildError, match="identical_to.matmul_rows"):
        load_manifest(write_manifest(tmp_path, bad + LEVELS + MATMUL_KERNELS))
