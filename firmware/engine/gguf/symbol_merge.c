#include "symbol_merge.h"

#include "unicode_class.h"

typedef struct heap {
    merge_pair *p;
    size_t n;
} heap;

static bool before(const merge_pair *x, const merge_pair *y)
{
    return x->priority > y->priority || (x->priority == y->priority && x->left < y->left);
}

static void heap_push(heap *h, merge_pair g)
{
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&g, &h->p[parent])) break;
        h->p[i] = h->p[parent];
        i = parent;
    }
    h->p[i] = g;
}

static merge_pair heap_pop(heap *h)
{
    merge_pair top = h->p[0], last = h->p[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && before(&h->p[c + 1], &h->p[c])) c++;
        if (!before(&h->p[c], &last)) break;
        h->p[i] = h->p[c];
        i = c;
    }
    if (h->n) h->p[i] = last;
    return top;
}

static void try_pair(const uint8_t *text, const merge_sym *s, heap *h, int32_t l, int32_t r, merge_priority_fn fn,
                     const void *ctx)
{
    if (l < 0 || r < 0) return;
    uint32_t size = s[l].n + s[r].n;
    double priority;
    if (fn(ctx, text, s[l].off, size, s[l].n, &priority)) heap_push(h, (merge_pair){priority, l, r, size});
}

void merge_symbols(const uint8_t *text, size_t len, merge_sym *s, merge_pair *pairs, merge_priority_fn fn,
                   const void *ctx)
{
    int32_t n = 0;
    for (size_t off = 0; off < len; n++) {
        size_t cl = gguf_utf8_len(text[off]);
        if (cl > len - off) cl = len - off;
        s[n] = (merge_sym){n - 1, -1, (uint32_t)off, (uint32_t)cl};
        off += cl;
        if (off < len) s[n].next = n + 1;
    }
    heap h = {pairs, 0};
    for (int32_t i = 1; i < n; i++) try_pair(text, s, &h, i - 1, i, fn, ctx);
    while (h.n) {
        merge_pair g = heap_pop(&h);
        merge_sym *l = &s[g.left], *r = &s[g.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != g.size) continue;
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0) s[r->next].prev = g.left;
        try_pair(text, s, &h, l->prev, g.left, fn, ctx);
        try_pair(text, s, &h, g.left, l->next, fn, ctx);
    }
}
