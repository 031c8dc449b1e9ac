/* The formatter's parser and its integer, character and string conversions
 * (rt_format.h); floating point is in rt_format_float.c. */
#include "rt_format_internal.h"
#include "rt_string.h"

#include <stdint.h>

void rt_out_bytes(rt_out *o, const char *s, size_t n)
{
    if (n) o->write(o->ctx, s, n);
    o->len += n;
}

static void out_repeat(rt_out *o, char c, size_t n)
{
    char run[32];
    rt_memset(run, c, sizeof run);
    while (n) {
        size_t k = n < sizeof run ? n : sizeof run;
        rt_out_bytes(o, run, k);
        n -= k;
    }
}

void rt_out_field(rt_out *o, const rt_spec *spec, const char *prefix, size_t prefix_len, const char *body,
                  size_t body_len, bool zero_pad)
{
    size_t n = prefix_len + body_len;
    size_t fill = (size_t)spec->width > n ? (size_t)spec->width - n : 0;
    if (!spec->left && !zero_pad) out_repeat(o, ' ', fill);
    rt_out_bytes(o, prefix, prefix_len);
    if (!spec->left && zero_pad) out_repeat(o, '0', fill);
    rt_out_bytes(o, body, body_len);
    if (spec->left) out_repeat(o, ' ', fill);
}

/* Digits of v in `base`, written backwards ending at `end`; returns the start. */
static char *digits_backwards(char *end, unsigned long long v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = digits[v % base];
        v /= base;
    } while (v);
    return p;
}

static void format_integer(rt_out *o, const rt_spec *spec, unsigned long long magnitude, bool negative)
{
    char tmp[24];
    char *end = tmp + sizeof tmp;
    unsigned base = spec->conv == 'x' || spec->conv == 'X' ? 16 : 10;
    char *p = digits_backwards(end, magnitude, base, spec->conv == 'X');
    size_t n = (size_t)(end - p);
    if (spec->prec == 0 && magnitude == 0) n = 0; /* C: a zero with precision 0 prints no digits */
    char sign = negative ? '-' : spec->conv == 'd' || spec->conv == 'i' ? spec->sign : 0;
    size_t lead = spec->prec > 0 && (size_t)spec->prec > n ? (size_t)spec->prec - n : 0;
    size_t used = (sign != 0) + lead + n;
    size_t fill = (size_t)spec->width > used ? (size_t)spec->width - used : 0;
    /* '0' pads with zeros after the sign, unless a precision is given. */
    bool zero_fill = !spec->left && spec->zero && spec->prec < 0;
    if (!spec->left && !zero_fill) out_repeat(o, ' ', fill);
    rt_out_bytes(o, &sign, sign != 0);
    out_repeat(o, '0', lead + (zero_fill ? fill : 0));
    rt_out_bytes(o, end - n, n);
    if (spec->left) out_repeat(o, ' ', fill);
}

static void format_string(rt_out *o, const rt_spec *spec, const char *s)
{
    if (!s) s = spec->prec < 0 || spec->prec >= 6 ? "(null)" : "";
    size_t n = spec->prec >= 0 ? rt_strnlen(s, (size_t)spec->prec) : rt_strlen(s);
    rt_out_field(o, spec, "", 0, s, n, false);
}

static void format_pointer(rt_out *o, const rt_spec *spec, const void *ptr)
{
    if (!ptr) {
        rt_out_field(o, spec, "", 0, "(nil)", 5, false);
        return;
    }
    char tmp[24];
    char *end = tmp + sizeof tmp;
    char *p = digits_backwards(end, (uintptr_t)ptr, 16, false);
    rt_out_field(o, spec, "0x", 2, p, (size_t)(end - p), false);
}

static int parse_count(const char **f)
{
    int v = 0;
    while (**f >= '0' && **f <= '9') {
        if (v < RT_FORMAT_MAX_WIDTH)
            v = v * 10 + (*(*f)++ - '0');
        else
            (*f)++;
    }
    return v < RT_FORMAT_MAX_WIDTH ? v : RT_FORMAT_MAX_WIDTH;
}

/* Length modifiers: how many 'l's, or 'z', or 'h's. */
enum length { LEN_INT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_SHORT, LEN_CHAR };

size_t rt_vformat(rt_write_fn *write, void *ctx, const char *fmt, va_list ap)
{
    rt_out o = {write, ctx, 0};
    const char *f = fmt;
    while (*f) {
        const char *run = f;
        while (*f && *f != '%') f++;
        rt_out_bytes(&o, run, (size_t)(f - run));
        if (!*f) break;
        const char *start = f++;
        rt_spec spec = {.prec = -1};
        for (;; f++) {
            if (*f == '-')
                spec.left = true;
            else if (*f == '0')
                spec.zero = true;
            else if (*f == '+')
                spec.sign = '+';
            else if (*f == ' ')
                spec.sign = spec.sign ? spec.sign : ' ';
            else
                break;
        }
        if (*f == '*') {
            int w = va_arg(ap, int);
            if (w < 0) spec.left = true, w = w == INT32_MIN ? RT_FORMAT_MAX_WIDTH : -w;
            spec.width = w < RT_FORMAT_MAX_WIDTH ? w : RT_FORMAT_MAX_WIDTH;
            f++;
        } else {
            spec.width = parse_count(&f);
        }
        if (*f == '.') {
            f++;
            if (*f == '*') {
                int p = va_arg(ap, int);
                spec.prec = p < 0 ? -1 : p < RT_FORMAT_MAX_WIDTH ? p : RT_FORMAT_MAX_WIDTH;
                f++;
            } else {
                spec.prec = parse_count(&f);
            }
        }
        enum length len = LEN_INT;
        if (*f == 'z')
            len = LEN_SIZE, f++;
        else if (*f == 'l')
            len = f[1] == 'l' ? (f += 2, LEN_LLONG) : (f++, LEN_LONG);
        else if (*f == 'h')
            len = f[1] == 'h' ? (f += 2, LEN_CHAR) : (f++, LEN_SHORT);
        spec.conv = *f;
        if (spec.left) spec.zero = false;
        switch (*f) {
            case '%': rt_out_bytes(&o, "%", 1); break;
            case 'c': {
                char c = (char)va_arg(ap, int);
                rt_out_field(&o, &spec, "", 0, &c, 1, false);
                break;
            }
            case 's': format_string(&o, &spec, va_arg(ap, const char *)); break;
            case 'p': format_pointer(&o, &spec, va_arg(ap, const void *)); break;
            case 'd':
            case 'i': {
                long long v = len == LEN_LONG    ? va_arg(ap, long)
                              : len == LEN_LLONG ? va_arg(ap, long long)
                              : len == LEN_SIZE  ? (long long)va_arg(ap, ptrdiff_t)
                                                 : va_arg(ap, int);
                if (len == LEN_SHORT)
                    v = (short)v;
                else if (len == LEN_CHAR)
                    v = (signed char)v;
                format_integer(&o, &spec, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, v < 0);
                break;
            }
            case 'u':
            case 'x':
            case 'X': {
                unsigned long long v = len == LEN_LONG    ? va_arg(ap, unsigned long)
                                       : len == LEN_LLONG ? va_arg(ap, unsigned long long)
                                       : len == LEN_SIZE  ? va_arg(ap, size_t)
                                                          : va_arg(ap, unsigned);
                if (len == LEN_SHORT)
                    v = (unsigned short)v;
                else if (len == LEN_CHAR)
                    v = (unsigned char)v;
                format_integer(&o, &spec, v, false);
                break;
            }
            case 'f':
            case 'F':
            case 'e':
            case 'E':
            case 'g':
            case 'G': rt_format_double(&o, &spec, va_arg(ap, double)); break;
            case 0:
                f--; /* a lone '%' at the end prints nothing */
                break;
            default:
                /* Not a conversion we know: print the spec as written. */
                rt_out_bytes(&o, start, (size_t)(f + 1 - start));
                break;
        }
        f++;
    }
    return o.len;
}

typedef struct buffer_sink {
    char *buf;
    size_t cap, used;
} buffer_sink;

static void buffer_write(void *ctx, const char *bytes, size_t n)
{
    buffer_sink *b = ctx;
    size_t room = b->cap > b->used + 1 ? b->cap - 1 - b->used : 0;
    size_t k = n < room ? n : room;
    if (k) rt_memcpy(b->buf + b->used, bytes, k);
    b->used += k;
}

int rt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    buffer_sink b = {buf, cap, 0};
    size_t len = rt_vformat(buffer_write, &b, fmt, ap);
    if (cap) buf[b.used] = 0;
    return len < (size_t)INT32_MAX ? (int)len : INT32_MAX;
}

int rt_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = rt_vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

typedef struct chunk_sink {
    rt_write_fn *write;
    void *ctx;
    char chunk[RT_FORMAT_CHUNK];
    size_t used;
} chunk_sink;

static void chunk_write(void *ctx, const char *bytes, size_t n)
{
    chunk_sink *c = ctx;
    while (n) {
        if (c->used == sizeof c->chunk) {
            c->write(c->ctx, c->chunk, c->used);
            c->used = 0;
        }
        size_t k = sizeof c->chunk - c->used;
        k = n < k ? n : k;
        rt_memcpy(c->chunk + c->used, bytes, k);
        c->used += k, bytes += k, n -= k;
    }
}

size_t rt_vformat_chunked(rt_write_fn *write, void *ctx, const char *fmt, va_list ap)
{
    chunk_sink c = {.write = write, .ctx = ctx};
    size_t len = rt_vformat(chunk_write, &c, fmt, ap);
    if (c.used) write(ctx, c.chunk, c.used);
    return len;
}

void rt_format_size(char *buf, size_t cap, uint64_t bytes)
{
    const uint64_t mib = 1ull << 20;
    if (bytes >= mib) {
        uint64_t tenths = (bytes * 10 + mib / 2) / mib;
        rt_snprintf(buf, cap, "%llu.%llu MB", (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
    } else {
        rt_snprintf(buf, cap, "%llu KB", (unsigned long long)((bytes + 1023) / 1024));
    }
}
