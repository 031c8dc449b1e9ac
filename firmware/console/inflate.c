/* Raw deflate decoding (see inflate.h), in the canonical-Huffman style of
 * zlib's puff.c: codes are decoded bit by bit against per-length counts,
 * which needs no lookup tables and is fast enough for 8 KB font blocks. */
#include "inflate.h"

typedef struct bits {
    const uint8_t *in;
    size_t len, pos; /* pos: next byte */
    uint32_t buf;    /* bits not yet used, lowest first */
    unsigned count;
    bool overrun;
} bits;

static uint32_t take(bits *b, unsigned n)
{
    while (b->count < n) {
        if (b->pos >= b->len) {
            b->overrun = true;
            return 0;
        }
        b->buf |= (uint32_t)b->in[b->pos++] << b->count;
        b->count += 8;
    }
    uint32_t v = b->buf & ((1u << n) - 1);
    b->buf >>= n;
    b->count -= n;
    return v;
}

#define MAX_BITS 15

typedef struct huffman {
    uint16_t count[MAX_BITS + 1]; /* codes of each length */
    uint16_t symbol[288];         /* symbols in canonical order */
} huffman;

/* False for an over-subscribed code; an incomplete one is allowed (a single
 * distance code is legal), and decode() rejects its unused bit patterns. */
static bool build(huffman *h, const uint8_t *lengths, unsigned n)
{
    for (unsigned i = 0; i <= MAX_BITS; i++) h->count[i] = 0;
    for (unsigned i = 0; i < n; i++) h->count[lengths[i]]++;
    int left = 1;
    for (unsigned len = 1; len <= MAX_BITS; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0) return false;
    }
    uint16_t offs[MAX_BITS + 1];
    offs[1] = 0;
    for (unsigned len = 1; len < MAX_BITS; len++) offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
    for (unsigned i = 0; i < n; i++)
        if (lengths[i]) h->symbol[offs[lengths[i]]++] = (uint16_t)i;
    return true;
}

static int decode(bits *b, const huffman *h)
{
    int code = 0, first = 0, index = 0;
    for (unsigned len = 1; len <= MAX_BITS; len++) {
        code |= (int)take(b, 1);
        if (b->overrun) return -1;
        int count = h->count[len];
        if (code - count < first) return h->symbol[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -1;
}

static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                                       33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

typedef struct out {
    uint8_t *p;
    size_t cap, len;
} out;

static bool codes(bits *b, out *o, const huffman *lit, const huffman *dist)
{
    for (;;) {
        int sym = decode(b, lit);
        if (sym < 0) return false;
        if (sym < 256) {
            if (o->len >= o->cap) return false;
            o->p[o->len++] = (uint8_t)sym;
        } else if (sym == 256) {
            return true;
        } else {
            sym -= 257;
            if (sym >= 29) return false;
            size_t len = len_base[sym] + take(b, len_extra[sym]);
            int d = decode(b, dist);
            if (d < 0 || d >= 30) return false;
            size_t back = dist_base[d] + take(b, dist_extra[d]);
            if (b->overrun || back > o->len || len > o->cap - o->len) return false;
            for (size_t i = 0; i < len; i++, o->len++) o->p[o->len] = o->p[o->len - back];
        }
    }
}

static bool stored(bits *b, out *o)
{
    b->buf = 0; /* to the byte boundary */
    b->count = 0;
    if (b->len - b->pos < 4) return false;
    unsigned len = b->in[b->pos] | b->in[b->pos + 1] << 8;
    unsigned nlen = b->in[b->pos + 2] | b->in[b->pos + 3] << 8;
    b->pos += 4;
    if (len != (~nlen & 0xffff) || len > b->len - b->pos || len > o->cap - o->len) return false;
    for (unsigned i = 0; i < len; i++) o->p[o->len++] = b->in[b->pos++];
    return true;
}

static bool fixed(bits *b, out *o)
{
    static huffman lit, dist;
    static bool ready;
    if (!ready) {
        uint8_t l[288];
        for (unsigned i = 0; i < 288; i++) l[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
        build(&lit, l, 288);
        for (unsigned i = 0; i < 30; i++) l[i] = 5;
        build(&dist, l, 30);
        ready = true;
    }
    return codes(b, o, &lit, &dist);
}

static bool dynamic(bits *b, out *o)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    unsigned nlen = take(b, 5) + 257, ndist = take(b, 5) + 1, ncode = take(b, 4) + 4;
    if (b->overrun || nlen > 286 || ndist > 30) return false;
    uint8_t lengths[320] = {0};
    for (unsigned i = 0; i < ncode; i++) lengths[order[i]] = (uint8_t)take(b, 3);
    huffman lencode, lit, dist;
    if (b->overrun || !build(&lencode, lengths, 19)) return false;
    for (unsigned i = 0; i < 19; i++) lengths[i] = 0;
    unsigned i = 0;
    while (i < nlen + ndist) {
        int sym = decode(b, &lencode);
        if (sym < 0) return false;
        if (sym < 16) {
            lengths[i++] = (uint8_t)sym;
            continue;
        }
        uint8_t value = 0;
        unsigned repeat;
        if (sym == 16) {
            if (i == 0) return false;
            value = lengths[i - 1];
            repeat = 3 + take(b, 2);
        } else if (sym == 17) {
            repeat = 3 + take(b, 3);
        } else {
            repeat = 11 + take(b, 7);
        }
        if (b->overrun || i + repeat > nlen + ndist) return false;
        while (repeat--) lengths[i++] = value;
    }
    if (lengths[256] == 0) return false; /* no end-of-block code */
    if (!build(&lit, lengths, nlen) || !build(&dist, lengths + nlen, ndist)) return false;
    return codes(b, o, &lit, &dist);
}

bool inflate_raw(const uint8_t *in, size_t in_len, uint8_t *out_buf, size_t out_cap, size_t *out_len)
{
    bits b = {.in = in, .len = in_len};
    out o = {.p = out_buf, .cap = out_cap};
    bool last = false;
    while (!last) {
        last = take(&b, 1);
        unsigned type = take(&b, 2);
        if (b.overrun) return false;
        bool ok = type == 0 ? stored(&b, &o) : type == 1 ? fixed(&b, &o) : type == 2 ? dynamic(&b, &o) : false;
        if (!ok || b.overrun) return false;
    }
    *out_len = o.len;
    return true;
}
