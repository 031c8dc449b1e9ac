/* Drawing the line being edited on one screen row, with nothing but
 * characters, blanks and backspaces — what every UEFI ConOut and every
 * serial terminal behind OVMF's terminal driver understands.
 *
 * A line longer than the row scrolls sideways (like readline's
 * horizontal-scroll mode): the row shows a window of the line that always
 * holds the cursor. Never writing into the last column means the terminal
 * never wraps, so a backspace always stays on the row. Each redraw sends
 * only what changed: typing at the end of the line echoes just the
 * character, which keeps the serial transcript readable for tests.
 *
 * Cells: one per code point, unless cell_width says otherwise (the
 * framebuffer console: CJK takes two, a combining mark none). The console
 * must then step a backspace over a whole character, as the framebuffer
 * console does; a backspace is never sent for a zero-width one. Pure C:
 * output goes through a callback so host tests can check the row. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define LINE_VIEW_MAX 512 /* widest row drawn */

typedef void (*line_view_write)(void *ctx, const char *bytes, size_t len);

typedef struct line_view {
    unsigned width; /* cells for the text: the row after the prompt, minus one */
    size_t first;   /* the character shown in the first cell */
    uint32_t shown[LINE_VIEW_MAX];
    unsigned n_shown;
    unsigned col; /* cursor: index into shown (or past it, over blank cells) */
    /* Cells a character takes (NULL: one each); set after line_view_reset. */
    unsigned (*cell_width)(uint32_t cp);
} line_view;

/* A fresh, empty row with the cursor right after the prompt. */
void line_view_reset(line_view *v, unsigned width);
/* Brings the row from what it shows to text[0, len) with the cursor at byte
 * offset cursor. */
void line_view_draw(line_view *v, const char *text, size_t len, size_t cursor, line_view_write out, void *ctx);
