"""llmbm_build.font: the .hex parser, the block layout the C decoder reads, and the compressed
blocks (inflated here by zlib, the reference implementation of the format the firmware decodes)."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

from llmbm_build import BuildError, font

NARROW_A = "0000000018242442427E424242420000"
WIDE = "".join(f"{r:02X}{255 - r:02X}" for r in range(16))  # left byte r, right byte 255 - r
REPLACEMENT = "0000007E665A5A7A76767E76767E0000"


def sample() -> dict[int, font.Glyph]:
    text = f"0041:{NARROW_A}\n4E2D:{WIDE}\n0301:{'00' * 16}\nFFFD:{REPLACEMENT}\n1F600:{NARROW_A}\n"
    return font.parse_hex(text, "sample.hex")


def test_parse_hex_keeps_the_bmp_only() -> None:
    glyphs = sample()
    assert sorted(glyphs) == [0x41, 0x301, 0x4E2D, 0xFFFD]
    assert not glyphs[0x41].wide and glyphs[0x4E2D].wide
    assert glyphs[0x41].rows == bytes.fromhex(NARROW_A)


@pytest.mark.parametrize(
    "text, why",
    [
        ("0041:00FF\nFFFD:" + REPLACEMENT, "line 1"),
        ("0041 " + NARROW_A, "line 1"),
        ("0041:" + NARROW_A, "no glyph for U\\+FFFD"),
    ],
)
def test_parse_hex_rejects(text: str, why: str) -> None:
    with pytest.raises(BuildError, match=why):
        font.parse_hex(text, "bad.hex")


def test_block_layout() -> None:
    glyphs = sample()
    raw = font.block_bytes(glyphs, {0x301}, 0x00)
    present, wide, marks = raw[0:32], raw[32:64], raw[64:96]
    assert present[0x41 >> 3] == 1 << (0x41 & 7) and present[0x301 >> 3 & 31] == 0
    assert not any(wide) and not any(marks)
    assert raw[96:] == bytes.fromhex(NARROW_A)
    # U+0301 is in block 3: marked combining.
    raw3 = font.block_bytes(glyphs, {0x301}, 0x03)
    assert raw3[64 + (0x01 >> 3)] == 1 << 1
    # A wide glyph is stored left half then right half.
    raw_cjk = font.block_bytes(glyphs, set(), 0x4E)
    assert raw_cjk[32 + (0x2D >> 3)] == 1 << (0x2D & 7)
    assert raw_cjk[96:] == bytes(range(16)) + bytes(255 - r for r in range(16))
    assert font.block_bytes(glyphs, set(), 0x12) == b"", "a block without glyphs has no data"


def test_render_blocks_inflate_to_the_layout() -> None:
    glyphs = sample()
    text, size = font.render(glyphs, {0x301}, "15.0.01")
    assert 'font_unifont_version[] = "15.0.01"' in text
    assert "font_glyph_count = 4;" in text
    index = [tuple(map(int, m)) for m in re.findall(r"\{(\d+), (\d+), (\d+)\},", text)]
    assert len(index) == font.BLOCKS
    match = re.search(r"font_data\[\d+\] = \{(.*?)\};", text, re.S)
    assert match
    data = bytes(int(b) for b in match.group(1).split(",") if b.strip())
    assert len(data) == size
    for block, (offset, packed, raw_size) in enumerate(index):
        raw = zlib.decompress(data[offset : offset + packed], -15) if packed else b""
        assert raw == font.block_bytes(glyphs, {0x301}, block)
        assert len(raw) == raw_size


def test_cjk_blocks_of_the_installed_unifont_compress_well() -> None:
    hex_path = Path("/usr/share/unifont/unifont.hex")
    if not hex_path.is_file():
        pytest.fail("GNU Unifont is a build dependency: apt install unifont (scripts/install-deps)")
    glyphs = font.parse_hex(hex_path.read_text(encoding="ascii"), str(hex_path))
    assert len(glyphs) > 50000
    packed = sum(len(font.deflate(font.block_bytes(glyphs, set(), b))) for b in range(0x4E, 0x50))
    assert packed < 0.6 * sum(len(font.block_bytes(glyphs, set(), b)) for b in range(0x4E, 0x50))
