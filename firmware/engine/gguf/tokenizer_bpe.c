/* Byte-level BPE over one raw fragment, as llama.cpp's
 * llm_tokenizer_bpe_session: pre-tokenize into words, map each word's bytes
 * to GPT-2's printable characters, merge adjacent symbols by lowest merge
 * rank (ties: leftmost), and emit each symbol's token. */
#include "pretokenize.h"
#include "symbol_merge.h"
#include "unicode_class.h"
#include "vocab_internal.h"

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the
 * other 68 to U+0100.. in byte order. */
static bool printable(uint8_t b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }

uint32_t bpe_byte_to_cp(uint8_t b)
{
    if (printable(b)) return b;
    uint32_t n = 0;
    for (uint32_t i = 0; i < b; i++) n += !printable((uint8_t)i);
    return 256 + n;
}

int bpe_cp_to_byte(uint32_t cp)
{
    if (cp < 256) return printable((uint8_t)cp) ? (int)cp : -1;
    if (cp >= 256 + 68) return -1;
    uint32_t n = cp - 256;
    for (int b = 0; b < 256; b++)
        if (!printable((uint8_t)b) && n-- == 0) return b;
    return -1;
}

/* Lower merge rank merges first. */
static bool merge_priority(const void *ctx, const uint8_t *w, uint32_t off, uint32_t size, uint32_t left_n,
                           double *priority)
{
    int32_t rank = vocab_merge_rank(ctx, w + off, left_n, w + off + left_n, size - left_n);
    *priority = -(double)rank;
    return rank >= 0;
}

/* One byte-encoded word w[0, len) to tokens. */
static void merge_word(const gguf_vocab *v, const uint8_t *w, size_t len, merge_sym *s, merge_pair *pairs, tok_out *out)
{
    if (v->ignore_merges) {
        int32_t id = vocab_lookup(v, w, len);
        if (id >= 0) {
            tok_push(out, id);
            return;
        }
    }
    if (len == 0) return;
    merge_symbols(w, len, s, pairs, merge_priority, v);
    for (int32_t i = 0; i != -1; i = s[i].next) {
        int32_t id = vocab_lookup(v, w + s[i].off, s[i].n);
        if (id >= 0) {
            tok_push(out, id);
            continue;
        }
        /* llama.cpp's fallback: each byte of the symbol as a one-byte token */
        for (uint32_t k = 0; k < s[i].n; k++) {
            int32_t b = vocab_lookup(v, w + s[i].off + k, 1);
            if (b >= 0) tok_push(out, b);
        }
    }
}

int bpe_tokenize(const gguf_vocab *v, const uint8_t *text, size_t len, tok_out *out)
{
    if (len == 0) return 0;
    /* per input byte: a codepoint, a word end, up to 4 UTF-8 bytes each
     * mapped to a 2-byte character (an invalid byte: U+FFFD, 3 characters),
     * a symbol per character and 3 candidate pairs per symbol */
    uint32_t *cps = plat_alloc(len * sizeof *cps);
    uint32_t *ends = plat_alloc(len * sizeof *ends);
    uint8_t *word = plat_alloc(8 * len);
    merge_sym *s = plat_alloc(4 * len * sizeof *s);
    merge_pair *pairs = plat_alloc(3 * 4 * len * sizeof *pairs);
    int rc = -1;
    if (!cps || !ends || !word || !s || !pairs) goto done;
    size_t n = 0;
    for (size_t off = 0; off < len; n++) {
        size_t used;
        cps[n] = gguf_utf8_decode(text + off, len - off, &used);
        off += used;
    }
    size_t n_words;
    if (gguf_pretokenize(v->pre, cps, n, ends, &n_words) != 0) goto done;
    for (size_t wi = 0, start = 0; wi < n_words; start = ends[wi++]) {
        size_t wl = 0;
        for (size_t i = start; i < ends[wi]; i++) {
            uint8_t u[4];
            size_t ul = gguf_utf8_encode(cps[i], u);
            for (size_t k = 0; k < ul; k++) wl += gguf_utf8_encode(bpe_byte_to_cp(u[k]), word + wl);
        }
        merge_word(v, word, wl, s, pairs, out);
    }
    rc = 0;
done:
    plat_free(cps);
    plat_free(ends);
    plat_free(word);
    plat_free(s);
    plat_free(pairs);
    return rc;
}
