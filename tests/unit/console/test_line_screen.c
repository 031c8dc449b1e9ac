/* The line editor drawn on the framebuffer console: line_view's output fed
 * to a real fbcon with the font's cell widths, and the console's cells read
 * back. Checks that double-width and combining characters keep the row and
 * the cursor where the line editor thinks they are, through edits and
 * sideways scrolling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fbcon.h"
#include "font.h"
#include "line_edit.h"
#include "line_view.h"
#include "repl_keys.h"
#include "unicode_class.h"

#define W    320 /* 40 x 10 cells */
#define H    160
#define VIEW 12 /* cells the line may use */

static uint32_t pixels[W * H];
static fbcon_cell cells[(W / 8) * (H / 16)];
static fbcon con;
static line_view view;
static line_edit ed;
static char buf[256];

static void *alloc(size_t n) { return malloc(n); }

static unsigned backspaces; /* sent to the console: what a serial transcript would show */

static void to_console(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) backspaces += bytes[i] == '\b';
    fbcon_write(&con, bytes, len);
}

static void draw(void) { line_view_draw(&view, ed.buf, ed.len, ed.cur, to_console, 0); }

static void type(const char *utf8)
{
    size_t n = strlen(utf8), i = 0;
    while (i < n) line_edit_key(&ed, (int32_t)utf8_next(utf8, n, &i));
    draw();
}

static void key(int32_t k)
{
    line_edit_key(&ed, k);
    draw();
}

/* Row 0 as UTF-8 (each character once, its mark after it), trailing blanks cut. */
static const char *row_text(void)
{
    static char out[512];
    size_t n = 0, end = 0;
    for (unsigned col = 0; col < con.cols; col++) {
        const fbcon_cell *k = &con.cells[col];
        if (k->flags & FBCON_RIGHT_HALF) continue;
        n += gguf_utf8_encode(k->cp ? k->cp : ' ', (uint8_t *)out + n);
        if (k->mark) n += gguf_utf8_encode(k->mark, (uint8_t *)out + n);
        if (k->cp && k->cp != ' ') end = n;
    }
    out[end] = 0;
    return out;
}

static void start(void)
{
    fbcon_init(&con, pixels, W, H, W, cells, sizeof cells / sizeof cells[0], 1);
    line_edit_init(&ed, buf, sizeof buf, 0, 0, 0);
    line_view_reset(&view, VIEW);
    view.cell_width = font_advance;
}

#define ROW_IS(text, cursor)                                                                                           \
    CHECK_MSG(strcmp(row_text(), text) == 0 && con.col == (cursor), "row '%s' cursor %u, want '%s' %u", row_text(),    \
              con.col, text, (unsigned)(cursor))

static void test_wide_characters(void)
{
    start();
    type("ab\xe4\xb8\xad\xe6\x96\x87"
         "cd"); /* ab中文cd: 8 cells */
    ROW_IS("ab\xe4\xb8\xad\xe6\x96\x87"
           "cd",
           8u);
    key(REPL_KEY_HOME);
    type("x");
    ROW_IS("xab\xe4\xb8\xad\xe6\x96\x87"
           "cd",
           1u);
    key(REPL_KEY_RIGHT);
    key(REPL_KEY_RIGHT); /* past a and b: before 中 */
    ROW_IS("xab\xe4\xb8\xad\xe6\x96\x87"
           "cd",
           3u);
    key(REPL_KEY_DELETE); /* 中 goes: the rest moves left by two cells */
    ROW_IS("xab\xe6\x96\x87"
           "cd",
           3u);
    key(REPL_KEY_END);
    key(8);
    ROW_IS("xab\xe6\x96\x87"
           "c",
           6u);
}

static void test_wide_line_scrolls_within_the_row(void)
{
    start();
    /* Ten ideographs (20 cells) in a 12-cell view: the last five (10 cells)
     * are shown with the cursor after them, never beyond cell 11. */
    for (int i = 0; i < 10; i++) type("\xe4\xb8\x80"); /* 一 */
    ROW_IS("\xe4\xb8\x80\xe4\xb8\x80\xe4\xb8\x80\xe4\xb8\x80\xe4\xb8\x80", 10u);
    CHECK(con.row == 0);
    key(REPL_KEY_HOME);
    ROW_IS("\xe4\xb8\x80\xe4\xb8\x80\xe4\xb8\x80\xe4\xb8\x80\xe4\xb8\x80\xe4\xb8\x80", 0u);
    CHECK(con.row == 0);
}

static void test_combining_mark(void)
{
    start();
    backspaces = 0;
    type("e");
    type("\xcc\x81");
    type("x"); /* e + combining acute, x: two cells */
    ROW_IS("e\xcc\x81x", 2u);
    CHECK_MSG(backspaces == 0, "typing a mark at the end sent %u backspaces", backspaces);
    key(8); /* Backspace removes x */
    key(8); /* and then the mark */
    ROW_IS("e", 1u);
    type("\xcc\x82y"); /* circumflex on e, then y */
    ROW_IS("e\xcc\x82y", 2u);
    key(REPL_KEY_LEFT); /* before y */
    key(REPL_KEY_LEFT); /* before the circumflex */
    key(REPL_KEY_DELETE);
    ROW_IS("ey", 1u);
    type("\xcc\x83"); /* a tilde inserted mid-line goes on e */
    ROW_IS("e\xcc\x83y", 1u);
}

int main(void)
{
    font_init(alloc);
    test_wide_characters();
    test_wide_line_scrolls_within_the_row();
    test_combining_mark();
    return CHECK_DONE();
}
