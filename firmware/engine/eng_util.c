#include "eng_util.h"

void eng_memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
}

void eng_memset(void *dst, int value, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)value;
}

int eng_memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t eng_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

size_t eng_strnlen(const char *s, size_t max) {
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

int eng_strcmp(const char *a, const char *b) {
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && *x == *y) x++, y++;
    return (int)*x - (int)*y;
}

/* ---- formatter ---------------------------------------------------------- */

typedef struct out_buf {
    char *buf;
    size_t cap;
    size_t len; /* untruncated */
} out_buf;

static void put_char(out_buf *o, char c) {
    if (o->len + 1 < o->cap) o->buf[o->len] = c;
    o->len++;
}

static void put_padded(out_buf *o, const char *s, size_t n, int width, bool left, char pad) {
    /* Zero padding goes after a sign so "-0005" comes out right. */
    size_t fill = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
    if (!left && pad == '0' && n > 0 && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) {
        put_char(o, s[0]);
        s++, n--;
    }
    if (!left)
        for (size_t i = 0; i < fill; i++) put_char(o, pad);
    for (size_t i = 0; i < n; i++) put_char(o, s[i]);
    if (left)
        for (size_t i = 0; i < fill; i++) put_char(o, ' ');
}

/* Writes the digits of v in `base` backwards ending at `end`; returns start. */
static char *format_unsigned(char *end, unsigned long long v, unsigned base, bool upper) {
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = digits[v % base];
        v /= base;
    } while (v);
    return p;
}

/* Fixed-point formatting, exact enough for messages and statistics (not a
 * round-trip printer: use %e/%g with 9 digits where bits matter). */
static size_t format_fixed(char *buf, size_t cap, double v, int prec) {
    size_t n = 0;
    if (prec > 17) prec = 17;
    double scale = 1.0;
    for (int i = 0; i < prec; i++) scale *= 10.0;
    double scaled = v * scale + 0.5;
    if (scaled >= 1.8e19) { /* too large for integer formatting */
        const char *big = "1e+19+";
        while (*big && n + 1 < cap) buf[n++] = *big++;
        buf[n] = 0;
        return n;
    }
    unsigned long long whole = (unsigned long long)scaled;
    unsigned long long ipart = whole, fpart = 0;
    if (prec > 0) {
        unsigned long long s = (unsigned long long)scale;
        ipart = whole / s;
        fpart = whole % s;
    }
    char tmp[48];
    char *end = tmp + sizeof tmp;
    char *p = format_unsigned(end, ipart, 10, false);
    while (p < end && n + 1 < cap) buf[n++] = *p++;
    if (prec > 0 && n + 1 < cap) {
        buf[n++] = '.';
        char fd[24];
        for (int i = prec - 1; i >= 0; i--) {
            fd[i] = (char)('0' + fpart % 10);
            fpart /= 10;
        }
        for (int i = 0; i < prec && n + 1 < cap; i++) buf[n++] = fd[i];
    }
    buf[n] = 0;
    return n;
}

static void format_double(out_buf *o, double v, char conv, int prec, int width, bool left, char pad,
                          char sign) {
    char buf[96];
    size_t n = 0;
    bool neg = __builtin_signbit(v);
    if (neg) v = -v;
    if (neg)
        buf[n++] = '-';
    else if (sign)
        buf[n++] = sign;
    if (v != v) {
        eng_memcpy(buf + n, "nan", 3);
        put_padded(o, buf, n + 3, width, left, ' ');
        return;
    }
    if (v > 1.7976931348623157e308) {
        eng_memcpy(buf + n, "inf", 3);
        put_padded(o, buf, n + 3, width, left, ' ');
        return;
    }
    if (prec < 0) prec = 6;
    bool upper = conv == 'E' || conv == 'G';
    char lower = (char)(conv | 0x20);
    int exp10 = 0;
    double m = v;
    if (m != 0.0) {
        while (m >= 10.0) m /= 10.0, exp10++;
        while (m < 1.0) m *= 10.0, exp10--;
    }
    bool strip = false;
    if (lower == 'g') {
        int p = prec == 0 ? 1 : prec;
        /* Round first so 9.9999999 at precision 3 picks the right style. */
        double r = m;
        double half = 0.5;
        for (int i = 1; i < p; i++) half /= 10.0;
        if (r + half >= 10.0) exp10 += (v != 0.0);
        if (exp10 < -4 || exp10 >= p) {
            lower = 'e';
            prec = p - 1;
        } else {
            lower = 'f';
            prec = p - 1 - exp10;
        }
        strip = true;
    }
    if (lower == 'f') {
        n += format_fixed(buf + n, sizeof buf - n, v, prec);
    } else {
        /* Re-derive the mantissa after rounding to prec digits. */
        double half = 0.5;
        for (int i = 0; i < prec; i++) half /= 10.0;
        if (v != 0.0) {
            m = v;
            exp10 = 0;
            while (m >= 10.0) m /= 10.0, exp10++;
            while (m < 1.0) m *= 10.0, exp10--;
            if (m + half >= 10.0) m /= 10.0, exp10++;
        }
        n += format_fixed(buf + n, sizeof buf - n - 8, m, prec);
    }
    if (strip) {
        bool has_dot = false;
        for (size_t i = 0; i < n; i++) has_dot |= buf[i] == '.';
        if (has_dot) {
            while (n > 0 && buf[n - 1] == '0') n--;
            if (n > 0 && buf[n - 1] == '.') n--;
        }
    }
    if (lower == 'e') {
        buf[n++] = upper ? 'E' : 'e';
        buf[n++] = exp10 < 0 ? '-' : '+';
        int e = exp10 < 0 ? -exp10 : exp10;
        if (e >= 100) buf[n++] = (char)('0' + e / 100);
        buf[n++] = (char)('0' + (e / 10) % 10);
        buf[n++] = (char)('0' + e % 10);
    }
    put_padded(o, buf, n, width, left, pad);
}

int eng_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
    out_buf o = {buf, cap, 0};
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put_char(&o, *f);
            continue;
        }
        f++;
        bool left = false;
        char pad = ' ', sign = 0;
        for (;; f++) {
            if (*f == '-') left = true;
            else if (*f == '0') pad = '0';
            else if (*f == '+') sign = '+';
            else if (*f == ' ') sign = sign ? sign : ' ';
            else break;
        }
        int width = 0, prec = -1;
        if (*f == '*') {
            width = va_arg(ap, int);
            if (width < 0) left = true, width = -width;
            f++;
        } else {
            while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
        }
        if (*f == '.') {
            f++;
            prec = 0;
            if (*f == '*') {
                prec = va_arg(ap, int);
                f++;
            } else {
                while (*f >= '0' && *f <= '9') prec = prec * 10 + (*f++ - '0');
            }
        }
        int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t */
        while (*f == 'l' || *f == 'h' || *f == 'z') {
            if (*f == 'l') lng++;
            else if (*f == 'z') lng = 3;
            f++;
        }
        char tmp[32];
        char *end = tmp + sizeof tmp, *p;
        switch (*f) {
        case '%': put_char(&o, '%'); break;
        case 'c': tmp[0] = (char)va_arg(ap, int); put_padded(&o, tmp, 1, width, left, ' '); break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            size_t n = prec >= 0 ? eng_strnlen(s, (size_t)prec) : eng_strlen(s);
            put_padded(&o, s, n, width, left, ' ');
            break;
        }
        case 'd':
        case 'i': {
            long long v = lng == 0 ? va_arg(ap, int)
                        : lng == 1 ? va_arg(ap, long)
                        : lng == 3 ? (long long)va_arg(ap, ptrdiff_t)
                                   : va_arg(ap, long long);
            unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            p = format_unsigned(end, u, 10, false);
            if (v < 0) *--p = '-';
            else if (sign) *--p = sign;
            put_padded(&o, p, (size_t)(end - p), width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'p': {
            unsigned long long v;
            if (*f == 'p') v = (uintptr_t)va_arg(ap, void *);
            else if (lng == 0) v = va_arg(ap, unsigned);
            else if (lng == 1) v = va_arg(ap, unsigned long);
            else if (lng == 3) v = va_arg(ap, size_t);
            else v = va_arg(ap, unsigned long long);
            p = format_unsigned(end, v, *f == 'u' ? 10 : 16, *f == 'X');
            if (*f == 'p') *--p = 'x', *--p = '0';
            put_padded(&o, p, (size_t)(end - p), width, left, pad);
            break;
        }
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G': format_double(&o, va_arg(ap, double), *f, prec, width, left, pad, sign); break;
        case 0: f--; break;
        default: put_char(&o, '%'); put_char(&o, *f); break;
        }
    }
    if (cap > 0) buf[o.len < cap ? o.len : cap - 1] = 0;
    return (int)o.len;
}

int eng_snprintf(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = eng_vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

int llmbm_fail(llmbm_err *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        eng_vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}
