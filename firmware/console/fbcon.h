/* A text console drawn with the Unifont glyphs (font.h) into a 32-bit pixel
 * buffer: what the REPL's text looks like on the framebuffer.
 *
 * It understands what the REPL sends a UEFI ConOut: UTF-8 text, '\n' (new
 * line, back to column 0), '\r', '\b' (one character left, not erasing:
 * the line editor redraws over it) and '\t'. A double-width character takes
 * two cells and '\b' steps over both, so the line editor's "one backspace
 * per character" holds. A combining mark goes on the character left of the
 * cursor. A line that reaches the right edge wraps; a new line
 * at the bottom scrolls the buffer up by one row of cells.
 *
 * The cells (character, combining mark, colour) are kept besides the pixels
 * so a change of scale can redraw the screen. Pure C: the EFI layer
 * (firmware/efi/gop.c) owns the pixels and copies the dirty rectangle to the
 * screen after each write; host unit tests draw into plain memory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "font.h"

/* Colours of what the REPL prints (repl_style in repl.h maps onto these). */
typedef enum fbcon_color {
    FBCON_MESSAGE, /* the REPL's own text */
    FBCON_PROMPT,
    FBCON_INPUT,  /* what the user types */
    FBCON_ANSWER, /* the model's words */
    FBCON_THINK,  /* its reasoning, dimmed */
    FBCON_COLORS,
} fbcon_color;

/* 0x00RRGGBB, which is also UEFI's BGRX Blt pixel in memory. */
extern const uint32_t fbcon_palette[FBCON_COLORS];
#define FBCON_BACKGROUND 0x00101418u

typedef struct fbcon_cell {
    uint32_t cp;   /* 0: blank; the right half of a wide character repeats it with FBCON_RIGHT_HALF */
    uint16_t mark; /* one combining mark drawn over it, or 0 */
    uint8_t color;
    uint8_t flags;
} fbcon_cell;
#define FBCON_RIGHT_HALF 1

typedef struct fbcon {
    uint32_t *pixels; /* width x height, pitch pixels a row */
    unsigned width, height, pitch;
    unsigned scale; /* each font pixel is scale x scale pixels */
    unsigned cols, rows;
    fbcon_cell *cells; /* cols x rows */
    size_t cells_cap;  /* entries cells can hold */
    unsigned col, row; /* cursor; col == cols: wrap before the next character */
    bool have_base;    /* a character before the cursor that a combining mark can go on */
    unsigned base_col, base_row;
    uint8_t color;
    uint32_t utf8_cp; /* a sequence split between writes */
    int utf8_need;
    bool cursor_shown;
    unsigned dirty_x0, dirty_y0, dirty_x1, dirty_y1; /* pixels to copy out; empty when x0 >= x1 */
} fbcon;

/* The scale that makes a cell about as tall on this screen as 16 pixels on
 * a 1080-line one: 1 up to 1619 lines, 2 for 4K (2160), 3 for 5K. */
unsigned fbcon_auto_scale(unsigned width, unsigned height);

/* Starts an empty console on pixels; cells is room for cells_cap cells,
 * enough for scale 1 ((width / 8) * (height / 16)). False if the screen is
 * smaller than 20 x 5 cells. */
bool fbcon_init(fbcon *c, uint32_t *pixels, unsigned width, unsigned height, unsigned pitch, fbcon_cell *cells,
                size_t cells_cap, unsigned scale);
/* Re-lays the text out at another scale (1..8; the largest that still gives
 * 20 x 5 cells if it is too big): the newest lines stay, the screen is
 * redrawn. Returns the scale in use. */
unsigned fbcon_set_scale(fbcon *c, unsigned scale);
void fbcon_set_color(fbcon *c, fbcon_color color);
void fbcon_write(fbcon *c, const char *utf8, size_t len);
/* Takes the rectangle changed since the last call; false when nothing did. */
bool fbcon_take_dirty(fbcon *c, unsigned *x, unsigned *y, unsigned *w, unsigned *h);
