/* Pre-tokenizing as llama.cpp's unicode_regex_split: each regex of the
 * pre-tokenizer in turn splits every piece the previous ones made into its
 * matches and the text between them, searching each piece on its own (so
 * look-aheads and $ stop at the piece's end). llama.cpp hand-codes the
 * gpt2 and llama3 regexes (unicode_regex_split_custom_*); those give the
 * same pieces as the regexes themselves, so the generic path serves all. */
#include "pretokenize.h"

#include "regex_vm.h"
#include "rt_string.h"
#include "unicode_class.h"

static bool name_eq(const char *a, const char *b, size_t len)
{
    size_t i = 0;
    while (i < len && a[i] && a[i] == b[i]) i++;
    return i == len && a[i] == 0;
}

const char *gguf_pretok_find(const char *name, size_t len, gguf_pretok *pre)
{
    for (uint32_t i = 0; i < gguf_pretok_name_count; i++)
        if (name_eq(gguf_pretok_names[i].name, name, len)) {
            *pre = gguf_pretok_names[i].pre;
            return gguf_pretok_names[i].name;
        }
    return NULL;
}

/* One regex over the pieces in[0, n_in) (as end indexes): the pieces it
 * makes go to out. Empty matches split without making a piece. */
static int split_pieces(uint32_t pc, rx_text *t, const uint32_t *in, size_t n_in, uint32_t *out, size_t *n_out,
                        rx_stack *st)
{
    size_t m = 0;
    for (size_t p = 0, start = 0; p < n_in; start = in[p++]) {
        size_t end = in[p], gap = start;
        t->end = end;
        for (size_t pos = start; pos < end;) {
            size_t match_end;
            int r = rx_match(pc, t, pos, st, &match_end);
            if (r < 0) return -1;
            if (r == 0) {
                pos++;
                continue;
            }
            if (pos > gap) out[m++] = (uint32_t)pos;
            if (match_end > pos) out[m++] = (uint32_t)match_end;
            gap = match_end;
            pos = match_end > pos ? match_end : pos + 1;
        }
        if (end > gap) out[m++] = (uint32_t)end;
    }
    *n_out = m;
    return 0;
}

int gguf_pretokenize(gguf_pretok pre, const uint32_t *cps, size_t n, uint32_t *ends, size_t *n_words)
{
    *n_words = 0;
    if (n == 0) return 0;
    const gguf_pretok_def *def = &gguf_pretok_defs[pre];
    uint32_t *spare = plat_alloc(n * sizeof *spare);
    uint8_t *flags = plat_alloc(n);
    if (!spare || !flags) {
        plat_free(spare);
        plat_free(flags);
        return -1;
    }
    for (size_t i = 0; i < n; i++) flags[i] = (uint8_t)gguf_ucd_flags(cps[i]);
    rx_text text = {cps, flags, n};
    rx_stack st = {0};
    /* ping-pong between ends and spare, starting so the last pass lands in ends */
    uint32_t *in = def->count % 2 ? spare : ends, *out = in == ends ? spare : ends;
    in[0] = (uint32_t)n;
    size_t count = 1;
    int rc = 0;
    for (uint32_t i = 0; i < def->count && rc == 0; i++) {
        rc = split_pieces(gguf_rx_starts[def->first + i], &text, in, count, out, &count, &st);
        uint32_t *t = in;
        in = out;
        out = t;
    }
    if (rc == 0 && in != ends) rt_memcpy(ends, in, count * sizeof *ends);
    rx_stack_free(&st);
    plat_free(spare);
    plat_free(flags);
    if (rc == 0) *n_words = count;
    return rc;
}
