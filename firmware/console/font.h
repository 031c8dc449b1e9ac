/* The console font: GNU Unifont's Basic Multilingual Plane, embedded by
 * python/llmbm_build/font.py as 256 deflate-compressed blocks of 256 code
 * points, each inflated the first time one of its glyphs is needed.
 *
 * Width rules (the console's cells are 8x16 pixels before scaling):
 *   a combining mark (Unifont's plane00-combining.txt) takes no cell: it is
 *   drawn over the character before it; a 16-pixel-wide glyph takes two
 *   cells (CJK, Hangul, fullwidth forms); every other glyph one. A code point
 *   Unifont has no glyph for, or one beyond U+FFFF, is drawn as U+FFFD.
 * Pure C, no platform calls: memory comes from the allocator given to
 * font_init, so host unit tests run it over malloc. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FONT_BLOCKS     256
#define FONT_HEIGHT     16 /* rows of every glyph */
#define FONT_CELL_WIDTH 8

/* One block of the generated data: font_data[offset, offset + packed_size)
 * inflates to size bytes (0: no glyph in the block). */
typedef struct font_block {
    uint32_t offset, packed_size, size;
} font_block;

/* Generated (font_data.c). */
extern const char font_unifont_version[];
extern const uint32_t font_glyph_count;
extern const font_block font_blocks[FONT_BLOCKS];
extern const uint32_t font_data_size;
extern const uint8_t font_data[];

typedef struct font_glyph {
    /* FONT_HEIGHT bytes, one a row, most significant bit leftmost; a wide
     * glyph has a second FONT_HEIGHT bytes for its right half. */
    const uint8_t *rows;
    uint8_t cells;  /* 1 or 2: its drawn width in cells */
    bool combining; /* drawn over the previous character, taking no cell */
} font_glyph;

typedef void *(*font_alloc_fn)(size_t bytes);
/* Where inflated blocks go (they are kept: at most 1.7 MB if every block
 * gets used). Without it, or when it fails, glyphs come out as a box. */
void font_init(font_alloc_fn alloc);
font_glyph font_lookup(uint32_t cp);
/* Cells cp advances the cursor by: 0 (combining), 1 or 2. */
unsigned font_advance(uint32_t cp);
