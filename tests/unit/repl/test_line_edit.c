/* The line editor driven by key sequences: the resulting line and cursor,
 * history browsing, UTF-8, and what a terminal shows after the redraws. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "history.h"
#include "line_edit.h"
#include "line_view.h"
#include "repl_keys.h"
#include "unicode_class.h"

#define L     REPL_KEY_LEFT
#define R     REPL_KEY_RIGHT
#define UP    REPL_KEY_UP
#define DOWN  REPL_KEY_DOWN
#define HOME  REPL_KEY_HOME
#define END   REPL_KEY_END
#define DEL   REPL_KEY_DELETE
#define BS    8
#define K_END -1

static history hist;

/* Feeds keys up to K_END (text keys given as a string via type()). */
static line_result feed(line_edit *e, const int32_t *keys)
{
    line_result r = LINE_MORE;
    for (; *keys != K_END; keys++) r = line_edit_key(e, *keys);
    return r;
}

static void type(line_edit *e, const char *utf8)
{
    size_t n = strlen(utf8), i = 0;
    while (i < n) line_edit_key(e, (int32_t)utf8_next(utf8, n, &i));
}

static void test_cursor_editing(void)
{
    char buf[64], draft[64];
    line_edit e;
    line_edit_init(&e, buf, sizeof buf, draft, sizeof draft, 0);
    type(&e, "helo world");
    feed(&e, (int32_t[]){HOME, R, R, R, 'l', K_END});
    CHECK(strcmp(buf, "hello world") == 0 && e.cur == 4);
    feed(&e, (int32_t[]){END, BS, BS, BS, BS, BS, K_END});
    CHECK(strcmp(buf, "hello ") == 0 && e.cur == 6);
    feed(&e, (int32_t[]){HOME, DEL, 'H', END, L, L, DEL, K_END});
    CHECK_MSG(strcmp(buf, "Hell ") == 0 && e.cur == 4, "'%s' %zu", buf, e.cur);
    feed(&e, (int32_t[]){HOME, BS, L, DEL, K_END}); /* at the start: Backspace and Left do nothing */
    CHECK(strcmp(buf, "ell ") == 0 && e.cur == 0);
    feed(&e, (int32_t[]){END, R, R, 'x', 'y', DEL, K_END}); /* at the end: Right does nothing, */
    CHECK(strcmp(buf, "ell x") == 0 && e.cur == 5);         /* Delete erases backwards (serial Backspace) */
    feed(&e, (int32_t[]){L, L, 11 /* Ctrl-K */, K_END});
    CHECK(strcmp(buf, "ell") == 0 && e.cur == 3);
    feed(&e, (int32_t[]){L, 21 /* Ctrl-U */, K_END});
    CHECK(strcmp(buf, "l") == 0 && e.cur == 0);
    /* Esc, function keys and control characters do not change the line. */
    feed(&e, (int32_t[]){REPL_KEY_ESC, REPL_KEY_NONE, 7, 0x1b, 0xd800, K_END});
    CHECK(strcmp(buf, "l") == 0 && e.cur == 0);
    CHECK(line_edit_key(&e, '\r') == LINE_ENTER && line_edit_key(&e, 3) == LINE_CANCEL);
}

static void test_utf8_moves_by_character(void)
{
    char buf[64];
    line_edit e;
    line_edit_init(&e, buf, sizeof buf, 0, 0, 0);
    /* UEFI keys are UCS-2 code points: é (2 bytes), € (3), 水 (3). */
    feed(&e, (int32_t[]){'a', 0xe9, 0x20ac, 0x6c34, K_END});
    CHECK(strcmp(buf, "a\xc3\xa9\xe2\x82\xac\xe6\xb0\xb4") == 0 && e.len == 9 && e.cur == 9);
    CHECK(utf8_count(buf, e.len) == 4);
    feed(&e, (int32_t[]){L, K_END});
    CHECK(e.cur == 6);
    feed(&e, (int32_t[]){L, BS, K_END}); /* removes é whole */
    CHECK(strcmp(buf, "a\xe2\x82\xac\xe6\xb0\xb4") == 0 && e.cur == 1);
    feed(&e, (int32_t[]){DEL, K_END}); /* removes € whole */
    CHECK(strcmp(buf, "a\xe6\xb0\xb4") == 0 && e.cur == 1);
    feed(&e, (int32_t[]){R, K_END});
    CHECK(e.cur == 4);
}

static void test_full_buffer_refuses_whole_characters(void)
{
    char buf[6];
    line_edit e;
    line_edit_init(&e, buf, sizeof buf, 0, 0, 0);
    type(&e, "abc");
    CHECK(!line_edit_take_overflow(&e));
    feed(&e, (int32_t[]){0x20ac, K_END}); /* 3 bytes do not fit in the 2 left */
    CHECK(strcmp(buf, "abc") == 0 && line_edit_take_overflow(&e) && !line_edit_take_overflow(&e));
    type(&e, "de"); /* exactly fills the buffer with its NUL */
    CHECK(strcmp(buf, "abcde") == 0 && !line_edit_take_overflow(&e));
    type(&e, "f");
    CHECK(strcmp(buf, "abcde") == 0 && line_edit_take_overflow(&e));
}

static void enter(line_edit *e, const char *text)
{
    type(e, text);
    CHECK(line_edit_key(e, '\r') == LINE_ENTER);
    line_edit_commit(e);
}

static void test_history(void)
{
    char buf[64], draft[64];
    line_edit e;
    history_init(&hist);
    line_edit_init(&e, buf, sizeof buf, draft, sizeof draft, &hist);
    enter(&e, "/help");
    line_edit_init(&e, buf, sizeof buf, draft, sizeof draft, &hist);
    enter(&e, "  "); /* blank: not kept */
    line_edit_init(&e, buf, sizeof buf, draft, sizeof draft, &hist);
    enter(&e, "/models");
    line_edit_init(&e, buf, sizeof buf, draft, sizeof draft, &hist);
    enter(&e, "/models"); /* a repeat of the newest: kept once */
    CHECK(history_count(&hist) == 2);

    line_edit_init(&e, buf, sizeof buf, draft, sizeof draft, &hist);
    type(&e, "hal");
    feed(&e, (int32_t[]){UP, K_END});
    CHECK(strcmp(buf, "/models") == 0 && e.cur == 7);
    feed(&e, (int32_t[]){UP, UP, UP, K_END}); /* stops at the oldest */
    CHECK(strcmp(buf, "/help") == 0);
    feed(&e, (int32_t[]){DOWN, K_END});
    CHECK(strcmp(buf, "/models") == 0);
    feed(&e, (int32_t[]){DOWN, K_END}); /* back to the line being typed */
    CHECK(strcmp(buf, "hal") == 0 && e.cur == 3);
    feed(&e, (int32_t[]){DOWN, K_END});
    CHECK(strcmp(buf, "hal") == 0);
    /* A recalled line can be edited and entered; the history keeps the edit. */
    feed(&e, (int32_t[]){UP, UP, BS, BS, BS, BS, K_END});
    type(&e, "cfg");
    CHECK(strcmp(buf, "/cfg") == 0);
    line_edit_commit(&e);
    CHECK(history_count(&hist) == 3 && strcmp(history_get(&hist, 1), "/cfg") == 0);
    CHECK(strcmp(history_get(&hist, 3), "/help") == 0 && history_get(&hist, 4) == 0);
}

static void test_history_drops_the_oldest(void)
{
    history_init(&hist);
    char line[32];
    for (int i = 0; i < HISTORY_LINES + 10; i++) {
        snprintf(line, sizeof line, "line %d", i);
        history_add(&hist, line, strlen(line));
    }
    CHECK(history_count(&hist) == HISTORY_LINES);
    snprintf(line, sizeof line, "line %d", HISTORY_LINES + 9);
    CHECK(strcmp(history_get(&hist, 1), line) == 0);
    CHECK(strcmp(history_get(&hist, HISTORY_LINES), "line 10") == 0);
    /* Long lines push out as many old ones as they need. */
    static char big[HISTORY_BYTES / 2];
    memset(big, 'x', sizeof big - 1);
    history_add(&hist, big, sizeof big - 1);
    history_add(&hist, big, sizeof big - 2);
    CHECK(history_count(&hist) == 2 && strlen(history_get(&hist, 2)) == sizeof big - 1);
    static char huge[HISTORY_BYTES + 1];
    memset(huge, 'y', sizeof huge - 1);
    history_add(&hist, huge, sizeof huge - 1); /* bigger than the store: not kept */
    CHECK(history_count(&hist) == 2);
}

/* ---- drawing: a one-row terminal that understands characters, BS and blanks ---- */

typedef struct term {
    uint32_t cells[LINE_VIEW_MAX + 8];
    unsigned col, width, writes;
    size_t bytes;
} term;

static void term_write(void *ctx, const char *s, size_t len)
{
    term *t = ctx;
    t->writes++;
    t->bytes += len;
    size_t i = 0;
    while (i < len) {
        uint32_t cp = utf8_next(s, len, &i);
        if (cp == '\b') {
            CHECK(t->col > 0);
            if (t->col) t->col--;
        } else {
            CHECK_MSG(t->col < t->width, "wrote past the row's last usable cell");
            t->cells[t->col++] = cp;
        }
    }
}

/* The row's text up to the last non-blank cell, as UTF-8. */
static void term_text(const term *t, char *out)
{
    unsigned end = 0;
    for (unsigned i = 0; i < t->width; i++)
        if (t->cells[i] != ' ') end = i + 1;
    size_t n = 0;
    for (unsigned i = 0; i < end; i++) n += gguf_utf8_encode(t->cells[i], (uint8_t *)out + n);
    out[n] = 0;
}

static void test_view_short_line(void)
{
    static line_view v;
    term t = {.width = 20};
    for (unsigned i = 0; i < 28; i++) t.cells[i] = ' ';
    char buf[128], row[256];
    line_edit e;
    line_edit_init(&e, buf, sizeof buf, 0, 0, 0);
    line_view_reset(&v, 20);
    /* Typing at the end echoes exactly the characters: a readable transcript. */
    size_t before = t.bytes;
    type(&e, "hi");
    line_view_draw(&v, e.buf, e.len, e.cur, term_write, &t);
    CHECK(t.bytes - before == 2);
    feed(&e, (int32_t[]){HOME, 0xe9, K_END});
    line_view_draw(&v, e.buf, e.len, e.cur, term_write, &t);
    term_text(&t, row);
    CHECK_MSG(strcmp(row, "\xc3\xa9hi") == 0 && t.col == 1, "'%s' col %u", row, t.col);
    feed(&e, (int32_t[]){END, BS, BS, K_END});
    line_view_draw(&v, e.buf, e.len, e.cur, term_write, &t);
    term_text(&t, row);
    CHECK(strcmp(row, "\xc3\xa9") == 0 && t.col == 1);
}

static void test_view_long_line_scrolls(void)
{
    static line_view v;
    term t = {.width = 10};
    for (unsigned i = 0; i < 18; i++) t.cells[i] = ' ';
    char buf[128], row[256];
    line_edit e;
    line_edit_init(&e, buf, sizeof buf, 0, 0, 0);
    line_view_reset(&v, 10);
    type(&e, "abcdefghijklmnopqrstuvwxyz");
    line_view_draw(&v, e.buf, e.len, e.cur, term_write, &t);
    term_text(&t, row);
    CHECK_MSG(strcmp(row, "rstuvwxyz") == 0 && t.col == 9, "'%s' col %u", row, t.col);
    feed(&e, (int32_t[]){HOME, K_END});
    line_view_draw(&v, e.buf, e.len, e.cur, term_write, &t);
    term_text(&t, row);
    CHECK_MSG(strcmp(row, "abcdefghij") == 0 && t.col == 0, "'%s' col %u", row, t.col);
    for (int i = 0; i < 12; i++) line_edit_key(&e, R);
    line_view_draw(&v, e.buf, e.len, e.cur, term_write, &t);
    term_text(&t, row);
    CHECK_MSG(strcmp(row, "defghijklm") == 0 && t.col == 9, "'%s' col %u", row, t.col);
    feed(&e, (int32_t[]){11 /* Ctrl-K */, K_END});
    line_view_draw(&v, e.buf, e.len, e.cur, term_write, &t);
    term_text(&t, row);
    CHECK_MSG(strcmp(row, "defghijkl") == 0 && t.col == 9, "'%s' col %u", row, t.col);
    feed(&e, (int32_t[]){HOME, DEL, DEL, DEL, K_END});
    line_view_draw(&v, e.buf, e.len, e.cur, term_write, &t);
    term_text(&t, row);
    CHECK_MSG(strcmp(row, "defghijkl") == 0 && t.col == 0, "'%s' col %u", row, t.col);
}

int main(void)
{
    test_cursor_editing();
    test_utf8_moves_by_character();
    test_full_buffer_refuses_whole_characters();
    test_history();
    test_history_drops_the_oldest();
    test_view_short_line();
    test_view_long_line_scrolls();
    return CHECK_DONE();
}
