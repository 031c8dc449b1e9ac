/* Sideways-scrolling line drawing (see line_view.h). */
#include "line_view.h"

#include "line_edit.h"
#include "unicode_class.h"

void line_view_reset(line_view *v, unsigned width)
{
    if (width < 2) width = 2;
    if (width > LINE_VIEW_MAX) width = LINE_VIEW_MAX;
    v->width = width;
    v->first = 0;
    v->n_shown = 0;
    v->col = 0;
    v->cell_width = 0;
}

static unsigned wid(const line_view *v, uint32_t cp) { return v->cell_width ? v->cell_width(cp) : 1; }

/* The smallest k >= from such that characters [k, to) take at most budget
 * cells: two cursors over the text, so a 16 KB line costs one pass. */
static size_t fit_from(const line_view *v, const char *text, size_t len, size_t from, size_t to, unsigned budget)
{
    size_t lead = 0, trail = 0, k = 0, i = 0;
    while (k < from && lead < len) {
        utf8_next(text, len, &lead);
        k++;
    }
    trail = lead;
    size_t first = from;
    unsigned cells = 0;
    for (i = from; i < to && lead < len; i++) {
        cells += wid(v, utf8_next(text, len, &lead));
        while (cells > budget) {
            cells -= wid(v, utf8_next(text, len, &trail));
            first++;
        }
    }
    return first;
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
    if (s->n) s->out(s->ctx, s->buf, s->n);
    s->n = 0;
}

static void put(sink *s, uint32_t cp)
{
    if (s->n + 4 > sizeof s->buf) flush(s);
    s->n += gguf_utf8_encode(cp == '\t' ? ' ' : cp, (uint8_t *)s->buf + s->n);
}

void line_view_draw(line_view *v, const char *text, size_t len, size_t cursor, line_view_write out, void *ctx)
{
    size_t n = utf8_count(text, len), c = utf8_count(text, cursor);
    /* Scroll so the cursor is on the row (at most width - 1 cells after the
     * first shown character); when the line got shorter, show as much of
     * its end as fits rather than a row of blanks. */
    if (c < v->first) v->first = c;
    v->first = fit_from(v, text, len, v->first, c, v->width - 1);
    size_t tail_first = fit_from(v, text, len, 0, n, v->width - 1);
    if (tail_first < v->first) v->first = tail_first;

    uint32_t now[LINE_VIEW_MAX];
    unsigned m = 0, cells = 0;
    size_t i = 0, k = 0;
    while (i < len && m < LINE_VIEW_MAX) {
        uint32_t cp = utf8_next(text, len, &i);
        if (k++ < v->first) continue;
        if (cells + wid(v, cp) > v->width) break;
        cells += wid(v, cp);
        now[m++] = cp;
    }
    unsigned d = 0;
    while (d < m && d < v->n_shown && now[d] == v->shown[d]) d++;
    /* A combining mark that goes (or is replaced) changes its base's cell:
     * redraw from the base, which loses its old marks when drawn anew. A
     * mark that comes needs nothing: the console puts it on the character
     * left of the cursor. */
    while (d > 0 && d < v->n_shown && !wid(v, v->shown[d])) d--;
    unsigned old_cells = 0;
    for (unsigned j = 0; j < v->n_shown; j++) old_cells += wid(v, v->shown[j]);

    sink s = {.n = 0, .out = out, .ctx = ctx};
    /* To the first changed character: back with backspaces (one per
     * character that takes cells, or per blank cell past the text), or
     * forward by re-sending what is already there. */
    for (; v->col > d; v->col--)
        if (v->col > v->n_shown || wid(v, v->shown[v->col - 1])) put(&s, '\b');
    for (; v->col < d; v->col++) put(&s, v->shown[v->col]);
    for (; v->col < m; v->col++) put(&s, now[v->col]);
    /* Blank the cells the old text took beyond the new. */
    for (unsigned blank = cells; blank < old_cells; blank++, v->col++) put(&s, ' ');
    unsigned target = (unsigned)(c - v->first);
    for (; v->col > target; v->col--)
        if (v->col > m || wid(v, now[v->col - 1])) put(&s, '\b');
    flush(&s);
    for (unsigned j = 0; j < m; j++) v->shown[j] = now[j];
    v->n_shown = m;
}
