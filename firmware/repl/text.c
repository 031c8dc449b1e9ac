/* Freestanding formatting and string helpers (see text.h). */
#include "text.h"

#include "platform.h"

typedef struct sink {
    char *buf;
    size_t cap, len;  /* cap 0: stream to plat_write in chunks */
    char chunk[256];
    size_t used;
} sink;

static void sink_put(sink *s, char c)
{
    if (s->cap) {
        if (s->len + 1 < s->cap)
            s->buf[s->len] = c;
        s->len++;
        return;
    }
    if (s->used == sizeof s->chunk) {
        plat_write(s->chunk, s->used);
        s->used = 0;
    }
    s->chunk[s->used++] = c;
}

static void sink_pad(sink *s, size_t n)
{
    while (n--)
        sink_put(s, ' ');
}

static void format(sink *s, const char *fmt, va_list ap)
{
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            sink_put(s, *p);
            continue;
        }
        p++;
        bool left = false;
        if (*p == '-') {
            left = true;
            p++;
        }
        size_t width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (size_t)(*p++ - '0');
        int longs = 0;
        bool size_t_arg = false;
        while (*p == 'l') {
            longs++;
            p++;
        }
        if (*p == 'z') {
            size_t_arg = true;
            p++;
        }
        char num[24];
        const char *str = num;
        size_t len = 0;
        switch (*p) {
        case 's':
            str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            len = txt_len(str);
            break;
        case 'c':
            num[0] = (char)va_arg(ap, int);
            len = 1;
            break;
        case 'd':
        case 'u':
        case 'x': {
            uint64_t v;
            bool neg = false;
            if (*p == 'd') {
                int64_t sv = size_t_arg ? (int64_t)va_arg(ap, size_t) : longs ? va_arg(ap, long long) : va_arg(ap, int);
                neg = sv < 0;
                v = neg ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;
            } else {
                v = size_t_arg ? va_arg(ap, size_t) : longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            }
            unsigned base = *p == 'x' ? 16 : 10;
            char rev[24];
            size_t n = 0;
            do {
                rev[n++] = "0123456789abcdef"[v % base];
                v /= base;
            } while (v);
            if (neg)
                num[len++] = '-';
            while (n)
                num[len++] = rev[--n];
            break;
        }
        case '%':
            num[0] = '%';
            len = 1;
            break;
        case 0:
            p--;  /* lone '%' at the end */
            continue;
        default:
            num[0] = '%';
            num[1] = *p;
            len = 2;
            break;
        }
        if (!left && width > len)
            sink_pad(s, width - len);
        for (size_t i = 0; i < len; i++)
            sink_put(s, str[i]);
        if (left && width > len)
            sink_pad(s, width - len);
    }
}

void txt_vprintf(const char *fmt, va_list ap)
{
    sink s = { 0 };
    format(&s, fmt, ap);
    if (s.used)
        plat_write(s.chunk, s.used);
}

void txt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    txt_vprintf(fmt, ap);
    va_end(ap);
}

size_t txt_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    if (!cap)
        return 0;
    sink s = { .buf = buf, .cap = cap };
    va_list ap;
    va_start(ap, fmt);
    format(&s, fmt, ap);
    va_end(ap);
    size_t end = s.len < cap ? s.len : cap - 1;
    buf[end] = 0;
    return end;
}

void txt_puts(const char *s)
{
    plat_write(s, txt_len(s));
}

void txt_size(char *buf, size_t cap, uint64_t bytes)
{
    const uint64_t mib = 1ull << 20;
    if (bytes >= mib) {
        uint64_t tenths = (bytes * 10 + mib / 2) / mib;
        txt_snprintf(buf, cap, "%llu.%llu MB", (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
    } else {
        txt_snprintf(buf, cap, "%llu KB", (unsigned long long)((bytes + 1023) / 1024));
    }
}

size_t txt_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

bool txt_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

bool txt_eq_nocase(const char *a, const char *b)
{
    while (*a && lower(*a) == lower(*b)) {
        a++;
        b++;
    }
    return lower(*a) == lower(*b);
}

bool txt_ends_with_nocase(const char *s, const char *suffix)
{
    size_t n = txt_len(s), m = txt_len(suffix);
    return n >= m && txt_eq_nocase(s + n - m, suffix);
}

bool txt_starts_with(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

bool txt_parse_u64(const char *s, uint64_t *out)
{
    if (!*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool txt_parse_float(const char *s, float *out)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    /* Integer mantissa divided once by a power of ten: correctly rounded
     * for the short values a config holds, like strtof. */
    uint64_t mant = 0;
    double div = 1;
    bool digits = false, dot = false;
    for (; *s; s++) {
        if (*s == '.' && !dot) {
            dot = true;
        } else if (*s >= '0' && *s <= '9') {
            digits = true;
            if (mant > UINT64_MAX / 10 - 9)
                return false;
            mant = mant * 10 + (uint64_t)(*s - '0');
            if (dot)
                div *= 10;
        } else {
            return false;
        }
    }
    if (!digits)
        return false;
    double v = (double)mant / div;
    *out = (float)(neg ? -v : v);
    return true;
}
