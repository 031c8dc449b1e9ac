/* Text <-> tokens for a GGUF vocab: special-token partitioning (as in
 * llama.cpp's tokenizer_st_partition), the SPM/BPE framing around each raw
 * fragment (space prefix, whitespace escaping, bos/eos), and decoding. */
#include "rt_string.h"
#include "unicode_class.h"
#include "vocab_internal.h"

/* A piece of the input: raw text [off, off+len) or a special token. */
typedef struct fragment {
    int32_t token; /* -1: raw text */
    uint32_t off, len;
} fragment;

/* C's isspace in the "C" locale, which llama.cpp's stripping uses. */
static bool is_space(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static bool special_allowed(const gguf_vocab *v, uint32_t id, bool parse_special)
{
    return parse_special || v->token_type[id] == GGUF_TOKEN_USER_DEFINED;
}

/* Longest special tokens first, each splitting every raw fragment at all of
 * its (non-overlapping, leftmost-first) occurrences. Ping-pongs between the
 * two buffers; returns the one holding the *n result fragments. */
static fragment *partition(const gguf_vocab *v, const uint8_t *text, size_t len, bool parse_special, fragment *a,
                           fragment *b, size_t *count)
{
    size_t n = 1;
    a[0] = (fragment){-1, 0, (uint32_t)len};
    for (uint32_t s = 0; s < v->n_special; s++) {
        uint32_t id = v->special[s];
        if (!special_allowed(v, id, parse_special)) continue;
        gguf_str st = gguf_vocab_text(v, (int32_t)id);
        const uint8_t *sp = (const uint8_t *)st.ptr;
        size_t m = 0;
        bool changed = false;
        for (size_t f = 0; f < n; f++) {
            if (a[f].token >= 0 || a[f].len < st.len) {
                b[m++] = a[f];
                continue;
            }
            size_t pos = a[f].off, end = a[f].off + a[f].len, raw = pos;
            while (end - pos >= st.len) {
                if (text[pos] == sp[0] && rt_memcmp(text + pos, sp, st.len) == 0) {
                    size_t left_end = pos;
                    if (v->strip[id] & GGUF_STRIP_LEFT)
                        while (left_end > raw && is_space(text[left_end - 1])) left_end--;
                    if (left_end > raw) b[m++] = (fragment){-1, (uint32_t)raw, (uint32_t)(left_end - raw)};
                    b[m++] = (fragment){(int32_t)id, (uint32_t)pos, (uint32_t)st.len};
                    pos += st.len;
                    if (v->strip[id] & GGUF_STRIP_RIGHT)
                        while (pos < end && is_space(text[pos])) pos++;
                    raw = pos;
                    changed = true;
                } else {
                    pos++;
                }
            }
            if (end > raw) b[m++] = (fragment){-1, (uint32_t)raw, (uint32_t)(end - raw)};
        }
        if (changed) {
            fragment *t = a;
            a = b;
            b = t;
            n = m;
        }
    }
    *count = n;
    return a;
}

int gguf_vocab_encode(const gguf_vocab *v, const char *text, size_t len, bool add_special, bool parse_special,
                      int32_t *ids, size_t cap, size_t *n_out, llmbm_err *err)
{
    tok_out out = {ids, 0, cap, false};
    *n_out = 0;
    if (len > UINT32_MAX / 4) return llmbm_fail(err, "tokenizer: input of %zu bytes is too long", len);
    const uint8_t *t = (const uint8_t *)text;
    fragment *bufs = NULL, *frags = NULL;
    uint8_t *esc = NULL;
    size_t n = 0;
    if (len > 0) { /* empty text gives no fragment at all, as in llama.cpp */
        /* two fragment buffers: every match adds at most two fragments */
        bufs = plat_alloc(2 * (2 * len + 2) * sizeof(fragment));
        if (!bufs) return llmbm_fail(err, "tokenizer: out of memory for %zu bytes of input", len);
        frags = partition(v, t, len, parse_special, bufs, bufs + 2 * len + 2, &n);
    }
    if (add_special && v->add_bos && v->bos >= 0) tok_push(&out, v->bos);
    int rc = 0;
    if (v->kind == GGUF_VOCAB_SPM && n > 0) {
        /* room for a space prefix and every space becoming 3 bytes */
        esc = plat_alloc(3 * len + 3);
        if (!esc) rc = -1;
    }
    bool prev_special = true; /* SPM: a space prefix at the start and after special tokens */
    for (size_t i = 0; i < n && rc == 0; i++) {
        const fragment *f = &frags[i];
        if (f->token >= 0) {
            tok_push(&out, f->token);
            prev_special = true;
            continue;
        }
        if (v->kind == GGUF_VOCAB_BPE) {
            rc = bpe_tokenize(v, t + f->off, f->len, &out);
            continue;
        }
        size_t m = 0;
        if (v->add_space_prefix && prev_special) esc[m++] = 0xE2, esc[m++] = 0x96, esc[m++] = 0x81;
        for (uint32_t k = 0; k < f->len; k++) {
            uint8_t c = t[f->off + k];
            if (c == ' ')
                esc[m++] = 0xE2, esc[m++] = 0x96, esc[m++] = 0x81;
            else
                esc[m++] = c;
        }
        rc = spm_tokenize(v, esc, m, &out);
        prev_special = false;
    }
    if (add_special && v->add_eos && v->eos >= 0) tok_push(&out, v->eos);
    plat_free(esc);
    plat_free(bufs);
    if (rc != 0) return llmbm_fail(err, "tokenizer: out of memory");
    if (out.overflow) return llmbm_fail(err, "tokenizer: more than %zu tokens", cap);
    *n_out = out.n;
    return 0;
}

static size_t put(char *buf, size_t cap, size_t at, const void *src, size_t n)
{
    if (at < cap) rt_memcpy(buf + at, src, n < cap - at ? n : cap - at);
    return at + n;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

size_t gguf_vocab_decode(const gguf_vocab *v, int32_t id, bool special, char *buf, size_t cap)
{
    if (id < 0 || (uint32_t)id >= v->n_tokens) return 0;
    gguf_str s = gguf_vocab_text(v, id);
    const uint8_t *p = (const uint8_t *)s.ptr;
    uint8_t type = v->token_type[id];
    if (type == GGUF_TOKEN_CONTROL) return special ? put(buf, cap, 0, p, s.len) : 0;
    if (type == GGUF_TOKEN_USER_DEFINED) return put(buf, cap, 0, p, s.len);
    if (v->kind == GGUF_VOCAB_SPM) {
        if (type == GGUF_TOKEN_UNKNOWN) return put(buf, cap, 0, "\xe2\x96\x85", 3); /* llama.cpp shows U+2585 */
        if (type == GGUF_TOKEN_BYTE && s.len == 6 && hex_digit(s.ptr[3]) >= 0 && hex_digit(s.ptr[4]) >= 0) {
            uint8_t c = (uint8_t)(hex_digit(s.ptr[3]) * 16 + hex_digit(s.ptr[4]));
            return put(buf, cap, 0, &c, 1);
        }
        size_t n = 0;
        for (uint64_t i = 0; i < s.len;) {
            if (s.len - i >= 3 && p[i] == 0xE2 && p[i + 1] == 0x96 && p[i + 2] == 0x81) {
                n = put(buf, cap, n, " ", 1);
                i += 3;
            } else {
                n = put(buf, cap, n, p + i, 1);
                i++;
            }
        }
        return n;
    }
    if (type == GGUF_TOKEN_UNKNOWN) return special ? put(buf, cap, 0, p, s.len) : 0;
    /* byte-level BPE: each character of the token text stands for a byte */
    size_t n = 0;
    for (uint64_t i = 0; i < s.len;) {
        size_t used;
        uint32_t cp = gguf_utf8_decode(p + i, s.len - i, &used);
        int b = bpe_cp_to_byte(cp);
        if (b >= 0) {
            uint8_t c = (uint8_t)b;
            n = put(buf, cap, n, &c, 1);
        } else {
            n = put(buf, cap, n, p + i, used);
        }
        i += used;
    }
    return n;
}
