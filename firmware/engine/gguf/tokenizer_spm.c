/* SentencePiece BPE over one escaped fragment, as llama.cpp's
 * llm_tokenizer_spm_session: start from UTF-8 characters, repeatedly merge
 * the adjacent pair whose concatenation is the highest-scoring token (ties:
 * leftmost), then emit each symbol as its token or, if it is not one, as
 * byte-fallback tokens. */
#include "unicode_class.h"
#include "vocab_internal.h"

typedef struct sym {
    int32_t prev, next;
    uint32_t off, n; /* n == 0: merged away */
} sym;

typedef struct bigram {
    float score;
    int32_t left, right;
    uint32_t size; /* detects pairs made stale by later merges */
} bigram;

typedef struct heap {
    bigram *b;
    size_t n;
} heap;

static bool before(const bigram *x, const bigram *y)
{
    return x->score > y->score || (x->score == y->score && x->left < y->left);
}

static void heap_push(heap *h, bigram g)
{
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&g, &h->b[parent])) break;
        h->b[i] = h->b[parent];
        i = parent;
    }
    h->b[i] = g;
}

static bigram heap_pop(heap *h)
{
    bigram top = h->b[0], last = h->b[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && before(&h->b[c + 1], &h->b[c])) c++;
        if (!before(&h->b[c], &last)) break;
        h->b[i] = h->b[c];
        i = c;
    }
    if (h->n) h->b[i] = last;
    return top;
}

static void try_pair(const gguf_vocab *v, const uint8_t *text, const sym *s, heap *h, int32_t l, int32_t r)
{
    if (l < 0 || r < 0) return;
    uint32_t size = s[l].n + s[r].n;
    int32_t id = vocab_lookup(v, text + s[l].off, size);
    if (id < 0) return;
    float score = v->scores.count ? gguf_array_f32(&v->scores, (uint64_t)id) : 0.0f;
    heap_push(h, (bigram){score, l, r, size});
}

int spm_tokenize(const gguf_vocab *v, const uint8_t *text, size_t len, tok_out *out)
{
    if (len == 0) return 0;
    sym *s = plat_alloc(len * sizeof *s);
    heap h = {plat_alloc(3 * len * sizeof(bigram)), 0};
    if (!s || !h.b) {
        plat_free(s);
        plat_free(h.b);
        return -1;
    }
    int32_t n = 0;
    for (size_t off = 0; off < len; n++) {
        size_t cl = gguf_utf8_len(text[off]);
        if (cl > len - off) cl = len - off;
        s[n] = (sym){n - 1, -1, (uint32_t)off, (uint32_t)cl};
        off += cl;
        if (off < len) s[n].next = n + 1;
    }
    for (int32_t i = 1; i < n; i++) try_pair(v, text, s, &h, i - 1, i);
    while (h.n) {
        bigram g = heap_pop(&h);
        sym *l = &s[g.left], *r = &s[g.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != g.size) continue;
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0) s[r->next].prev = g.left;
        try_pair(v, text, s, &h, l->prev, g.left);
        try_pair(v, text, s, &h, g.left, l->next);
    }
    for (int32_t i = 0; i != -1; i = s[i].next) {
        int32_t id = vocab_lookup(v, text + s[i].off, s[i].n);
        if (id >= 0) {
            tok_push(out, id);
            continue;
        }
        /* merged symbols are always tokens, so only single characters get
         * here: one byte token each (unk if the vocab lacks it) */
        for (uint32_t k = 0; k < s[i].n; k++) {
            int32_t b = v->byte_token[text[s[i].off + k]];
            if (b < 0) b = v->unk;
            if (b >= 0) tok_push(out, b);
        }
    }
    plat_free(s);
    plat_free(h.b);
    return 0;
}
