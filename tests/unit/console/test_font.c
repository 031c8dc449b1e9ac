/* The embedded font against Unifont's own files, and the framebuffer
 * console's cell rules (widths, combining marks, backspace, wrap, scroll).
 *
 * Usage: test_font UNIFONT.HEX PLANE00-COMBINING.TXT — the same files the
 * build step compressed: every BMP code point's glyph, width and combining
 * flag is checked against them, so the generator, the block layout and the
 * inflate decoder are all exercised. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fbcon.h"
#include "font.h"
#include "inflate.h"

static void *alloc(size_t n) { return malloc(n); }

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
}

/* Unifont's .hex: glyph bytes per code point (row-interleaved for 16 wide). */
static uint8_t hex_rows[0x10000][32];
static uint8_t hex_len[0x10000];
static bool combining[0x10000];

static void read_hex(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon) continue;
        unsigned long cp = strtoul(line, 0, 16);
        if (cp > 0xffff) continue;
        size_t n = 0;
        for (char *p = colon + 1; hexval(p[0]) >= 0 && hexval(p[1]) >= 0 && n < 32; p += 2)
            hex_rows[cp][n++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
        hex_len[cp] = (uint8_t)n;
    }
    fclose(f);
}

static void read_combining(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    char line[64];
    while (fgets(line, sizeof line, f))
        if (strchr(line, ':')) combining[strtoul(line, 0, 16) & 0xffff] = true;
    fclose(f);
}

/* font_lookup's rows in .hex order. */
static bool same_glyph(font_glyph g, const uint8_t *hex, size_t len)
{
    if (len != (size_t)g.cells * FONT_HEIGHT) return false;
    for (unsigned r = 0; r < FONT_HEIGHT; r++) {
        if (g.cells == 1 && g.rows[r] != hex[r]) return false;
        if (g.cells == 2 && (g.rows[r] != hex[2 * r] || g.rows[FONT_HEIGHT + r] != hex[2 * r + 1])) return false;
    }
    return true;
}

static void test_every_glyph(void)
{
    unsigned wrong = 0, present = 0;
    font_glyph fffd = font_lookup(0xfffd);
    CHECK(same_glyph(fffd, hex_rows[0xfffd], hex_len[0xfffd]));
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        font_glyph g = font_lookup(cp);
        if (hex_len[cp]) {
            present++;
            bool ok = same_glyph(g, hex_rows[cp], hex_len[cp]) && g.combining == combining[cp] &&
                      font_advance(cp) == (combining[cp] ? 0u : hex_len[cp] / 16u);
            if (!ok && wrong++ < 5)
                fprintf(stderr, "U+%04X: glyph, width or combining flag differs from unifont.hex\n", cp);
        } else if (g.rows != fffd.rows) {
            if (wrong++ < 5) fprintf(stderr, "U+%04X: not in unifont.hex but not drawn as U+FFFD\n", cp);
        }
    }
    CHECK_MSG(wrong == 0, "%u code points wrong", wrong);
    CHECK(present == font_glyph_count);
    CHECK(font_lookup(0x1f600).rows == fffd.rows); /* beyond the BMP */
    CHECK(font_lookup(0x10ffff).rows == fffd.rows);
}

static void test_width_rules(void)
{
    CHECK(font_advance('A') == 1);
    CHECK(font_advance(0x00e9) == 1);  /* é */
    CHECK(font_advance(0x0416) == 1);  /* Ж */
    CHECK(font_advance(0x2500) == 1);  /* ─ */
    CHECK(font_advance(0x4e2d) == 2);  /* 中 */
    CHECK(font_advance(0xac00) == 2);  /* 가 */
    CHECK(font_advance(0xff21) == 2);  /* fullwidth Ａ */
    CHECK(font_advance(0x0301) == 0);  /* combining acute */
    CHECK(font_advance(0x1f600) == 1); /* as U+FFFD */
}

static void test_inflate_rejects_bad_streams(void)
{
    const font_block *b = &font_blocks[0];
    static uint8_t out[16384];
    size_t got = 0;
    CHECK(inflate_raw(font_data + b->offset, b->packed_size, out, sizeof out, &got) && got == b->size);
    CHECK(!inflate_raw(font_data + b->offset, b->packed_size / 2, out, sizeof out, &got)); /* truncated */
    CHECK(!inflate_raw(font_data + b->offset, b->packed_size, out, b->size - 1, &got));    /* no room */
    const uint8_t reserved_type[] = {0x07};                                                /* BTYPE 11 */
    CHECK(!inflate_raw(reserved_type, sizeof reserved_type, out, sizeof out, &got));
}

#define W 320 /* 40 x 10 cells at scale 1 */
#define H 160
static uint32_t pixels[W * H];
static fbcon_cell cells[(W / 8) * (H / 16)];

static void put(fbcon *c, const char *s) { fbcon_write(c, s, strlen(s)); }

/* Pixel (x, y) of cell (col, row) is the glyph's bit in colour fg. */
static bool cell_shows(const fbcon *c, unsigned col, unsigned row, uint32_t cp, uint32_t fg)
{
    font_glyph g = font_lookup(cp);
    unsigned s = c->scale;
    for (unsigned y = 0; y < FONT_HEIGHT * s; y++)
        for (unsigned x = 0; x < FONT_CELL_WIDTH * g.cells * s; x++) {
            unsigned fx = x / s, fy = y / s;
            bool on = g.rows[(fx / 8) * FONT_HEIGHT + fy] >> (7 - fx % 8) & 1;
            uint32_t px = c->pixels[(row * FONT_HEIGHT * s + y) * c->pitch + col * FONT_CELL_WIDTH * s + x];
            bool cursor_row = y >= FONT_HEIGHT * s - 2 * s; /* the cursor bar may be there */
            if (px != (on ? fg : FBCON_BACKGROUND) && !cursor_row) return false;
        }
    return true;
}

static void test_console_cells(void)
{
    fbcon c;
    CHECK(fbcon_init(&c, pixels, W, H, W, cells, sizeof cells / sizeof cells[0], 1));
    CHECK(c.cols == 40 && c.rows == 10);
    fbcon_set_color(&c, FBCON_ANSWER);
    put(&c, "a\xe4\xb8\xad"
            "b"); /* a中b */
    CHECK(c.col == 4 && c.row == 0);
    CHECK(cells[1].cp == 0x4e2d && cells[2].flags == FBCON_RIGHT_HALF && cells[3].cp == 'b');
    CHECK(cell_shows(&c, 1, 0, 0x4e2d, fbcon_palette[FBCON_ANSWER]));
    /* Backspace steps over a whole wide character, as the line editor expects. */
    put(&c, "\b\b");
    CHECK(c.col == 1);
    put(&c, "xy"); /* overwrites both halves of 中 */
    CHECK(cells[1].cp == 'x' && cells[2].cp == 'y' && !(cells[2].flags & FBCON_RIGHT_HALF));
    CHECK(cell_shows(&c, 2, 0, 'y', fbcon_palette[FBCON_ANSWER]));
    /* A combining mark goes on the character before it, taking no cell. */
    put(&c, "\re\xcc\x81");
    CHECK(c.col == 1 && cells[0].cp == 'e' && cells[0].mark == 0x301);
    /* A line reaching the edge wraps; a wide character that does not fit
     * moves to the next line whole. */
    put(&c, "\n");
    for (int i = 0; i < 39; i++) put(&c, "-");
    put(&c, "\xe4\xb8\xad");
    CHECK(c.row == 2 && c.col == 2 && cells[2 * 40].cp == 0x4e2d && cells[1 * 40 + 39].cp == 0);
    /* Past the last row the text scrolls up one row. */
    for (int i = 0; i < 8; i++) put(&c, "\nline");
    CHECK(c.row == 9);
    CHECK(cells[1 * 40].cp == 0x4e2d); /* row 2 is now row 1 */
    CHECK(cell_shows(&c, 0, 1, 0x4e2d, fbcon_palette[FBCON_ANSWER]));
    /* Scale 2: 20 x 5 cells, the newest lines kept and redrawn twice as large. */
    CHECK(fbcon_set_scale(&c, 2) == 2 && c.cols == 20 && c.rows == 5);
    CHECK(c.row == 4 && cells[4 * 20].cp == 'l');
    CHECK(cell_shows(&c, 0, 4, 'l', fbcon_palette[FBCON_ANSWER]));
    CHECK(fbcon_set_scale(&c, 8) == 2); /* too large for 20 x 5: the largest that fits */
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s UNIFONT.HEX PLANE00-COMBINING.TXT\n", argv[0]);
        return 2;
    }
    read_hex(argv[1]);
    read_combining(argv[2]);
    font_init(alloc);
    test_every_glyph();
    test_width_rules();
    test_inflate_rejects_bad_streams();
    test_console_cells();
    return CHECK_DONE();
}
