"""The type table (kernels/x86_64/type_table.def): its facts against ggml's as the gguf
package states them, the parser's checks, and the layout choices the dispatch generator
derives from it."""

from __future__ import annotations

from pathlib import Path

import gguf
import pytest

from kernels_ctypes import MANIFEST, TYPES
from llmbm_build import BuildError, type_table
from llmbm_build.dispatch import resolve_tables


def test_file_types_are_ggmls() -> None:
    for t in TYPES.types:
        if not t.in_files:
            continue
        qt = gguf.GGMLQuantizationType[t.enum]
        assert qt.value == t.id, t.name
        if t.name == "q8_1":
            # gguf-py still lists the old block of two f32 (40 bytes); ggml's block_q8_1
            # is two fp16 and 32 int8 (ggml-common.h), as ours
            assert (t.block_size, t.block_bytes) == (32, 36)
            continue
        assert gguf.GGML_QUANT_SIZES[qt] == (t.block_size, t.block_bytes), t.name


def test_layouts_take_retired_ids() -> None:
    ggml_ids = {qt.value for qt in gguf.GGMLQuantizationType}
    layouts = [t for t in TYPES.types if t.role == "layout"]
    assert {t.name for t in layouts} == {"q4_0p", "q4_Kx16", "q4_0x16", "f32x16"}
    for t in layouts:
        assert t.id not in ggml_ids, t.name
        base = TYPES[t.base]
        assert (t.block_size, t.block_bytes, t.act) == (base.block_size, base.block_bytes, base.act)


def test_kernel_types_are_in_the_table() -> None:
    for t in MANIFEST.types:
        assert TYPES[t].has_kernels, t


LINES = """\
#ifndef LLMBM_LAYOUT
#define LLMBM_LAYOUT(id, NAME, name, BASE, group_rows)
#endif
LLMBM_WEIGHT_TYPE(0, F32, "f32", 1, 4, F32)
/* a comment
   over lines */
LLMBM_WEIGHT_TYPE(2, Q4_0, "q4_0", 32, 18, Q8_0)
LLMBM_LAYOUT(4, Q4_0P, "q4_0p", Q4_0, 1)
LLMBM_WEIGHT_TYPE(8, Q8_0, "q8_0", 32, 34, Q8_0)
LLMBM_FILE_TYPE(16, IQ2_XXS, "iq2_xxs", 256, 66)
"""


def test_parse_small_table(tmp_path: Path) -> None:
    table = type_table.parse(LINES, tmp_path / "t.def")
    assert table.count == 17
    assert [t.name for t in table.types] == ["f32", "q4_0", "q4_0p", "q8_0", "iq2_xxs"]
    assert table["q4_0p"].act == "q8_0" and table["q4_0p"].block_bytes == 18
    assert table["iq2_xxs"].act is None and not table["iq2_xxs"].has_kernels
    assert [t.name for t in table.layouts_of("q4_0")] == ["q4_0p"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('LLMBM_WEIGHT_TYPE(20, F16, "f16", 1, 2)', "takes 6 arguments"),
        ('LLMBM_WEIGHT_TYPE(20, F16, "f17", 1, 2, F32)', "upper-cased"),
        ('LLMBM_WEIGHT_TYPE(20, F16, "f16", 0, 2, F32)', "positive"),
        ('LLMBM_WEIGHT_TYPE(20, F16, "f16", 1, 2, Q9_9)', "act 'Q9_9'"),
        ('LLMBM_WEIGHT_TYPE(20, F16, "f16", 1, 2, IQ2_XXS)', "act 'IQ2_XXS'"),
        ('LLMBM_LAYOUT(20, X16, "x16", IQ2_XXS, 16)', "base 'IQ2_XXS'"),
        ('LLMBM_FILE_TYPE(9, Q8_1, "q8_1", 32, 36)', "ids must increase"),
        ('LLMBM_FILE_TYPE(300, BIG, "big", 1, 1)', "does not fit"),
        ('LLMBM_FILE_TYPE(20, F32, "f32", 1, 4)', "listed twice"),
        ("LLMBM_TYPE(20, F16)", "not an entry"),
        ("F16 = 20,", "not an entry"),
    ],
)
def test_parse_errors_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(BuildError, match=message) as err:
        type_table.parse(LINES + line + "\n", tmp_path / "t.def")
    assert f"{tmp_path / 't.def'}:{len(LINES.splitlines()) + 1}:" in str(err.value)


def test_layout_choices_of_the_real_manifest() -> None:
    tables = {t.level.name: t for t in resolve_tables(MANIFEST)}
    scalar = type_table.layout_choices(TYPES, tables["scalar"].entries["matvec_rows"], "scalar")
    assert scalar == {"q4_0": (None, "q4_0p")}
    avx2 = type_table.layout_choices(TYPES, tables["avx2"].entries["matvec_rows"], "scalar")
    assert avx2 == {"f32": ("f32x16", None), "q4_0": ("q4_0x16", "q4_0p"), "q4_K": ("q4_Kx16", None)}


def test_layout_choices_need_a_level_above_the_reference() -> None:
    # an interleaved kernel inherited from the reference level is not worth the layout
    entries = {"q4_0x16": ("llmbm_matvec_rows_q4_0x16_scalar", "scalar"), "q4_0": ("s", "scalar")}
    assert type_table.layout_choices(TYPES, entries, "scalar") == {}
    entries["q4_0x16"] = ("llmbm_matvec_rows_q4_0x16_avx2", "avx2")
    assert type_table.layout_choices(TYPES, entries, "scalar") == {"q4_0": ("q4_0x16", None)}
