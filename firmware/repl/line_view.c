/* Sideways-scrolling line drawing (see line_view.h). */
#include "line_view.h"

#include "line_edit.h"
#include "unicode_class.h"

void line_view_reset(line_view *v, unsigned width)
{
    if (width < 2)
        width = 2;
    if (width > LINE_VIEW_MAX)
        width = LINE_VIEW_MAX;
    v->width = width;
    v->first = 0;
    v->n_shown = 0;
    v->col = 0;
}

/* Output is gathered and sent in few writes: on the UEFI console every
 * write is a conversion and an OutputString call. */
typedef struct sink {
    char buf[512];
    size_t n;
    line_view_write out;
    void *ctx;
} sink;

static void flush(sink *s)
{
    if (s->n)
        s->out(s->ctx, s->buf, s->n);
    s->n = 0;
}

static void put(sink *s, uint32_t cp)
{
    if (s->n + 4 > sizeof s->buf)
        flush(s);
    s->n += gguf_utf8_encode(cp == '\t' ? ' ' : cp, (uint8_t *)s->buf + s->n);
}

void line_view_draw(line_view *v, const char *text, size_t len, size_t cursor, line_view_write out, void *ctx)
{
    size_t n = utf8_count(text, len), c = utf8_count(text, cursor);
    /* Scroll so the cursor is on the row; when the line got shorter, show
     * as much of its end as fits rather than a row of blanks. */
    if (c < v->first)
        v->first = c;
    if (c - v->first >= v->width)
        v->first = c - v->width + 1;
    size_t tail_first = n >= v->width - 1 ? n - (v->width - 1) : 0;
    if (tail_first < v->first)
        v->first = tail_first;

    uint32_t now[LINE_VIEW_MAX];
    unsigned m = 0;
    size_t i = 0, k = 0;
    while (i < len && m < v->width) {
        uint32_t cp = utf8_next(text, len, &i);
        if (k++ >= v->first)
            now[m++] = cp;
    }
    unsigned d = 0;
    while (d < m && d < v->n_shown && now[d] == v->shown[d])
        d++;

    sink s = { .n = 0, .out = out, .ctx = ctx };
    /* To the first changed cell: back with backspaces, or forward by
     * re-sending what is already there. */
    for (; v->col > d; v->col--)
        put(&s, '\b');
    for (; v->col < d; v->col++)
        put(&s, v->shown[v->col]);
    for (; v->col < m; v->col++)
        put(&s, now[v->col]);
    for (; v->col < v->n_shown; v->col++)
        put(&s, ' ');
    unsigned target = (unsigned)(c - v->first);
    for (; v->col > target; v->col--)
        put(&s, '\b');
    flush(&s);
    for (unsigned j = 0; j < m; j++)
        v->shown[j] = now[j];
    v->n_shown = m;
}
