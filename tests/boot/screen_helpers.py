"""Reading QEMU screendumps and rendering text the way the framebuffer console should.

The expected pixels come from GNU Unifont's own files (parsed by the build step's parser, not
by the firmware's decoder) with the console's rules: 8x16 cells times the scale, a 16-wide glyph
takes two cells, a combining mark is drawn over the character before it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from llmbm_build import font

UNIFONT = Path("/usr/share/unifont")


@dataclass(frozen=True)
class Screen:
    width: int
    height: int
    rgb: bytes

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        i = (y * self.width + x) * 3
        return self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]

    def background(self) -> tuple[int, int, int]:
        """The commonest colour of the top-left corner region (the console's background)."""
        counts: dict[tuple[int, int, int], int] = {}
        for y in range(0, self.height, 7):
            for x in range(0, self.width, 7):
                p = self.pixel(x, y)
                counts[p] = counts.get(p, 0) + 1
        return max(counts, key=lambda c: counts[c])


def read_ppm(path: Path) -> Screen:
    """QEMU's screendump: binary PPM (P6), maxval 255."""
    data = path.read_bytes()
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P6" and fields[3] == b"255", f"{path}: not a binary PPM"
    width, height = int(fields[1]), int(fields[2])
    rgb = data[pos + 1 : pos + 1 + width * height * 3]
    assert len(rgb) == width * height * 3, f"{path}: truncated"
    return Screen(width, height, rgb)


class Font:
    def __init__(self) -> None:
        hex_path, combining_path = UNIFONT / "unifont.hex", UNIFONT / "plane00-combining.txt"
        self.glyphs = font.parse_hex(hex_path.read_text(encoding="ascii"), str(hex_path))
        self.combining = font.parse_combining(combining_path.read_text(encoding="ascii"), str(combining_path))

    def glyph(self, cp: int) -> font.Glyph:
        return self.glyphs.get(cp) or self.glyphs[font.REPLACEMENT]

    def cells(self, text: str) -> int:
        return sum(0 if ord(ch) in self.combining else (2 if self.glyph(ord(ch)).wide else 1) for ch in text)

    def render(self, text: str, scale: int) -> list[list[bool]]:
        """The ink of `text` on one row of cells: [y][x], True where a glyph pixel is set."""
        width = self.cells(text) * 8 * scale
        ink = [[False] * width for _ in range(16 * scale)]
        col = base = 0
        for ch in text:
            g = self.glyph(ord(ch))
            cells = 2 if g.wide else 1
            mark = ord(ch) in self.combining
            at = base if mark else col
            for r in range(16):
                for px in range(8 * cells):
                    byte = g.rows[r * cells + px // 8]
                    if byte >> (7 - px % 8) & 1:
                        for dy in range(scale):
                            for dx in range(scale):
                                x = (at * 8 + px) * scale + dx
                                if x < width:
                                    ink[r * scale + dy][x] = True
            if not mark:
                base = col
                col += cells
        return ink


def row_ink(screen: Screen, row: int, cells: int, scale: int, bg: tuple[int, int, int]) -> list[list[bool]]:
    """What the screen shows on text row `row` in its first `cells` cells: True where not background."""
    top = row * 16 * scale
    return [[screen.pixel(x, top + y) != bg for x in range(cells * 8 * scale)] for y in range(16 * scale)]


def find_rows(screen: Screen, text: str, scale: int, typeface: Font) -> list[int]:
    """Text rows whose first cells show exactly `text` (the rest of the row is not compared)."""
    want = typeface.render(text, scale)
    bg = screen.background()
    rows = screen.height // (16 * scale)
    return [row for row in range(rows) if row_ink(screen, row, typeface.cells(text), scale, bg) == want]


RGB = tuple[int, int, int]


def ink_colours(screen: Screen, row: int, first_cell: int, cells: int, scale: int) -> set[RGB]:
    """The distinct non-background colours in cells [first_cell, first_cell + cells) of a row."""
    bg = screen.background()
    top = row * 16 * scale
    return {
        screen.pixel(x, top + y)
        for y in range(16 * scale)
        for x in range(first_cell * 8 * scale, (first_cell + cells) * 8 * scale)
    } - {bg}
