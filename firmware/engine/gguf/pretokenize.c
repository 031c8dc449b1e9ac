/* Pre-tokenizer split rules, written as code rather than regexes (the
 * engine has no regex engine). They follow llama.cpp's
 * unicode_regex_split_custom_gpt2/_llama3, including how lookaheads stop
 * at the end of the current segment.
 *
 *   gpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   llama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
 *           | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *   qwen2:  llama3 with \p{N} (single digits)
 *   smollm: first split off every digit (\p{N}), then gpt2 inside each piece */
#include "pretokenize.h"

#include "unicode_class.h"

#define F_L GGUF_UCD_LETTER
#define F_N GGUF_UCD_NUMBER
#define F_WS GGUF_UCD_SPACE
#define F_VALID 8u /* a codepoint inside the segment: llama.cpp's flags.as_uint() != 0 */
#define OUT_OF_RANGE 0xFFFFFFFFu

typedef struct seg {
    const uint32_t *cp;
    size_t ini, end; /* the segment being split */
    size_t prev;     /* end of the last word */
    uint32_t *ends;
    size_t n_ends;
} seg;

static unsigned fl(const seg *s, size_t pos)
{
    if (pos < s->ini || pos >= s->end) return 0;
    uint32_t c = s->cp[pos];
    return c > 0x10FFFF ? 0 : gguf_ucd_flags(c) | F_VALID;
}

static uint32_t cpt(const seg *s, size_t pos)
{
    return pos >= s->ini && pos < s->end ? s->cp[pos] : OUT_OF_RANGE;
}

/* Ends the current word at `end` (empty words are dropped); returns its length. */
static size_t add(seg *s, size_t end)
{
    size_t len = end - s->prev;
    if (len > 0) s->ends[s->n_ends++] = (uint32_t)end;
    s->prev = end;
    return len;
}

static uint32_t lower_ascii(uint32_t c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* 's 't 're 've 'm 'll 'd at pos: the contraction's length, or 0. */
static size_t contraction(const seg *s, size_t pos, bool any_case)
{
    if (cpt(s, pos) != '\'' || pos + 1 >= s->end) return 0;
    uint32_t a = cpt(s, pos + 1);
    if (any_case) a = lower_ascii(a);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (pos + 2 >= s->end) return 0;
    uint32_t b = cpt(s, pos + 2);
    if (any_case) b = lower_ascii(b);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

static bool is_other(unsigned f)
{
    return !(f & (F_WS | F_L | F_N)) && (f & F_VALID);
}

/* Whitespace at pos: \s+(?!\S) leaves the last space to the next word. */
static void spaces(seg *s, size_t *pos)
{
    size_t nws = 0;
    while (fl(s, *pos + nws) & F_WS) nws++;
    if (nws > 1 && cpt(s, *pos + nws) != OUT_OF_RANGE) {
        *pos += nws - 1;
        add(s, *pos);
    } else if (nws > 0) {
        *pos += nws;
        add(s, *pos);
    } else {
        add(s, ++*pos);
    }
}

static void split_gpt2(seg *s)
{
    for (size_t pos = s->ini; pos < s->end;) {
        size_t k = contraction(s, pos, false);
        if (k) {
            pos += add(s, pos + k);
            continue;
        }
        uint32_t c = cpt(s, pos);
        unsigned f2 = c == ' ' ? fl(s, pos + 1) : fl(s, pos);
        unsigned cls = f2 & F_L ? F_L : f2 & F_N ? F_N : 0;
        if (cls) { /* ' ?\p{L}+' and ' ?\p{N}+' */
            pos += c == ' ';
            while (fl(s, pos) & cls) pos++;
            add(s, pos);
            continue;
        }
        if (is_other(f2)) { /* ' ?[^\s\p{L}\p{N}]+' */
            pos += c == ' ';
            while (is_other(fl(s, pos))) pos++;
            add(s, pos);
            continue;
        }
        spaces(s, &pos);
    }
}

static void split_llama3(seg *s, size_t max_digits)
{
    for (size_t pos = s->ini; pos < s->end;) {
        size_t k = contraction(s, pos, true);
        if (k) {
            pos += add(s, pos + k);
            continue;
        }
        uint32_t c = cpt(s, pos);
        unsigned f = fl(s, pos);
        /* [^\r\n\p{L}\p{N}]?\p{L}+ */
        if (!(c == '\r' || c == '\n' || (f & F_N)) && ((f & F_L) || (fl(s, pos + 1) & F_L))) {
            pos++;
            while (fl(s, pos) & F_L) pos++;
            add(s, pos);
            continue;
        }
        if (f & F_N) { /* \p{N}{1,max_digits} */
            size_t start = pos;
            while (fl(s, pos) & F_N) {
                if (++pos - start >= max_digits) {
                    add(s, pos);
                    start = pos;
                }
            }
            add(s, pos);
            continue;
        }
        /* ' ?[^\s\p{L}\p{N}]+[\r\n]*' */
        unsigned f2 = c == ' ' ? fl(s, pos + 1) : f;
        if (is_other(f2)) {
            pos += c == ' ';
            while (is_other(fl(s, pos))) pos++;
            while (cpt(s, pos) == '\r' || cpt(s, pos) == '\n') pos++;
            add(s, pos);
            continue;
        }
        /* \s*[\r\n]+ : whitespace up to and including the last newline */
        size_t nws = 0, last_nl = 0;
        while (fl(s, pos + nws) & F_WS) {
            uint32_t w = cpt(s, pos + nws);
            if (w == '\r' || w == '\n') last_nl = pos + nws + 1;
            nws++;
        }
        if (last_nl > 0) {
            pos = last_nl;
            add(s, pos);
            continue;
        }
        spaces(s, &pos);
    }
}

size_t gguf_pretokenize(gguf_pretok pre, const uint32_t *cps, size_t n, uint32_t *ends)
{
    seg s = {cps, 0, n, 0, ends, 0};
    switch (pre) {
    case GGUF_PRE_LLAMA3: split_llama3(&s, 3); break;
    case GGUF_PRE_QWEN2: split_llama3(&s, 1); break;
    case GGUF_PRE_SMOLLM:
        /* every digit is its own piece; the runs between go through gpt2 */
        for (size_t i = 0; i < n;) {
            size_t j = i;
            if (fl(&s, i) & F_N) {
                j = i + 1;
            } else {
                while (j < n && !(gguf_ucd_flags(cps[j] > 0x10FFFF ? 0 : cps[j]) & F_N)) j++;
            }
            seg sub = {cps, i, j, i, ends, s.n_ends};
            split_gpt2(&sub);
            s.n_ends = sub.n_ends;
            i = j;
        }
        break;
    default: split_gpt2(&s); break;
    }
    return s.n_ends;
}
