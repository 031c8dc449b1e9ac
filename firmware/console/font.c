/* Glyph lookup over the embedded, block-compressed Unifont (see font.h and
 * python/llmbm_build/font.py for the block layout). */
#include "font.h"

#include "inflate.h"

#define BLOCK        256
#define BITMAP_BYTES (BLOCK / 8)
#define HEADER_BYTES (3 * BITMAP_BYTES) /* present, wide, combining */
#define REPLACEMENT  0xfffd

static font_alloc_fn alloc;
static const uint8_t *blocks[FONT_BLOCKS];
static bool failed[FONT_BLOCKS]; /* corrupt or out of memory: do not retry every glyph */

/* Drawn when even U+FFFD cannot be had: a hollow box. */
static const uint8_t box[FONT_HEIGHT] = {0,    0,    0x7e, 0x42, 0x42, 0x42, 0x42, 0x42,
                                         0x42, 0x42, 0x42, 0x42, 0x7e, 0,    0,    0};

void font_init(font_alloc_fn fn) { alloc = fn; }

static const uint8_t *block(unsigned b)
{
    if (blocks[b] || failed[b]) return blocks[b];
    const font_block *fb = &font_blocks[b];
    if (!fb->size || !alloc || fb->offset > font_data_size || fb->packed_size > font_data_size - fb->offset) {
        failed[b] = true;
        return 0;
    }
    uint8_t *out = alloc(fb->size);
    size_t got = 0;
    if (!out || !inflate_raw(font_data + fb->offset, fb->packed_size, out, fb->size, &got) || got != fb->size ||
        got < HEADER_BYTES) {
        failed[b] = true; /* the memory, if any, is not worth a free() interface */
        return 0;
    }
    blocks[b] = out;
    return out;
}

static bool bit(const uint8_t *bitmap, unsigned i) { return bitmap[i >> 3] >> (i & 7) & 1; }

/* Bits set in a byte (no __builtin_popcount: without -mpopcnt it calls
 * libgcc, which the firmware does not link). */
static unsigned ones(unsigned byte)
{
    unsigned n = 0;
    for (; byte; byte &= byte - 1) n++;
    return n;
}

/* Bits set in bitmap[0, i). */
static unsigned bits_before(const uint8_t *bitmap, unsigned i)
{
    unsigned n = 0;
    for (unsigned k = 0; k < i >> 3; k++) n += ones(bitmap[k]);
    return n + ones(bitmap[i >> 3] & ((1u << (i & 7)) - 1));
}

/* The glyph of cp, or false if the font has none. */
static bool find(uint32_t cp, font_glyph *g)
{
    if (cp > 0xffff) return false;
    const uint8_t *blk = block(cp / BLOCK);
    unsigned low = cp % BLOCK;
    if (!blk || !bit(blk, low)) return false;
    const uint8_t *present = blk, *wide = blk + BITMAP_BYTES, *combining = blk + 2 * BITMAP_BYTES;
    /* Narrow glyphs before it take 16 bytes, wide ones 32. */
    size_t offset = HEADER_BYTES + (size_t)FONT_HEIGHT * (bits_before(present, low) + bits_before(wide, low));
    g->cells = bit(wide, low) ? 2 : 1;
    if (offset + (size_t)FONT_HEIGHT * g->cells > font_blocks[cp / BLOCK].size)
        return false; /* bitmaps that disagree with the glyph data */
    g->rows = blk + offset;
    g->combining = bit(combining, low);
    return true;
}

font_glyph font_lookup(uint32_t cp)
{
    font_glyph g;
    if (find(cp, &g) || find(REPLACEMENT, &g)) return g;
    return (font_glyph){.rows = box, .cells = 1, .combining = false};
}

unsigned font_advance(uint32_t cp)
{
    /* Only the block's width and combining bits: no glyph offset to count (the line editor
     * asks this for every character of the line on every redraw). */
    const uint8_t *blk = cp <= 0xffff ? block(cp / BLOCK) : NULL;
    unsigned low = cp % BLOCK;
    if (!blk || !bit(blk, low)) return cp == REPLACEMENT ? 1 : font_advance(REPLACEMENT);
    if (bit(blk + 2 * BITMAP_BYTES, low)) return 0;
    return bit(blk + BITMAP_BYTES, low) ? 2 : 1;
}
