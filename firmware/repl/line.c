/* Reading a line at the prompt: keys in, line_edit for the edits,
 * line_view for the drawing.
 *
 * Serial terminals send CR, LF or CR LF for Enter; an LF right after the CR
 * that ended the previous line is swallowed so CR LF is one Enter, not an
 * Enter and an empty line.
 *
 * Paste: keys that arrive while the REPL is busy (a pasted block, typing
 * ahead during an answer) are kept in a type-ahead queue rather than lost:
 * line_interrupt_pending, which the answer loop calls between tokens, moves
 * every waiting key there and only acts on Esc and Ctrl-C. While reading a
 * line, all waiting keys are applied before the row is redrawn once, so a
 * burst costs one redraw, not one per character. */
#include "line_edit.h"
#include "line_view.h"
#include "platform.h"
#include "repl_keys.h"
#include "session.h"
#include "text.h"

#define TYPEAHEAD 4096 /* keys; a pasted paragraph */

static int32_t typeahead[TYPEAHEAD];
static unsigned ta_head, ta_count;
static bool ta_dropped;

static void ta_push(int32_t key)
{
    if (ta_count == TYPEAHEAD) {
        ta_dropped = true;
        return;
    }
    typeahead[(ta_head + ta_count++) % TYPEAHEAD] = key;
}

static int32_t ta_pop(void)
{
    int32_t key = typeahead[ta_head];
    ta_head = (ta_head + 1) % TYPEAHEAD;
    ta_count--;
    return key;
}

bool line_interrupt_pending(const repl_sys *sys)
{
    if (!sys->poll_key) return false;
    for (;;) {
        int32_t key = sys->poll_key();
        if (key == REPL_KEY_NONE) return false;
        if (key == REPL_KEY_ESC || key == 3) return true;
        ta_push(key);
    }
}

/* The next key: queued ones first; wait only when told to. */
static int32_t next_key(const repl_sys *sys, bool wait)
{
    if (ta_count) return ta_pop();
    if (!wait) return sys->poll_key ? sys->poll_key() : REPL_KEY_NONE;
    return sys->read_key();
}

static void write_out(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    plat_write(bytes, len);
}

static history hist;
static bool last_was_cr;
static char draft[16384];

void line_read(const repl_sys *sys, char *buf, size_t cap)
{
    static bool hist_ready;
    if (!hist_ready) history_init(&hist);
    hist_ready = true;

    line_edit ed;
    line_edit_init(&ed, buf, cap, draft, sizeof draft, &hist);
    unsigned cols = sys->columns ? sys->columns() : 80;
    static line_view view;
    line_view_reset(&view, cols > sizeof REPL_PROMPT ? cols - (unsigned)sizeof REPL_PROMPT : 2);
    view.cell_width = sys->cell_width;
    if (ta_dropped) {
        txt_printf("(typed ahead too fast: some keys were lost)\n");
        ta_dropped = false;
    }

    line_result r = LINE_MORE;
    bool wait = true, noted = false;
    while (r == LINE_MORE) {
        int32_t key = next_key(sys, wait);
        if (key == REPL_KEY_NONE) {
            /* Nothing more waiting: show the result of the burst. */
            line_view_draw(&view, ed.buf, ed.len, ed.cur, write_out, 0);
            wait = true;
            continue;
        }
        wait = false;
        bool after_cr = last_was_cr;
        last_was_cr = false;
        if (key == '\n' && after_cr && ed.len == 0) continue;
        r = line_edit_key(&ed, key);
        if (r == LINE_ENTER) last_was_cr = key == '\r';
        if (line_edit_take_overflow(&ed) && !noted) {
            /* Say so (once per line) rather than cut it silently; the row
             * starts over below the note. */
            line_view_draw(&view, ed.buf, ed.len, ed.cur, write_out, 0);
            txt_printf("\n(line limit of %zu bytes reached: the rest is dropped; Enter sends the line)\n", cap - 1);
            line_view_reset(&view, view.width);
            view.cell_width = sys->cell_width;
            noted = true;
        }
    }
    /* Show the whole line, cursor at its end, before moving on. */
    ed.cur = ed.len;
    line_view_draw(&view, ed.buf, ed.len, ed.cur, write_out, 0);
    if (r == LINE_CANCEL) {
        plat_write("^C\n", 3);
        ed.len = 0;
        buf[0] = 0;
        return;
    }
    plat_write("\n", 1);
    line_edit_commit(&ed);
}
