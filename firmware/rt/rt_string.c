/* Memory and string functions for code that has no libc (rt_string.h). */
#include "rt_string.h"

/* x86_64 `rep movsb/stosb` (fast on every CPU with ERMS) rather than loops:
 * gcc turns a copy or fill loop into a call to memcpy/memset, which in a
 * freestanding build is this very function. */
void *rt_copy_bytes(void *restrict dst, const void *restrict src, size_t n)
{
    void *ret = dst;
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
    return ret;
}

void *rt_fill_bytes(void *dst, int value, size_t n)
{
    void *ret = dst;
    __asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(value) : "memory");
    return ret;
}

void *rt_move_bytes(void *dst, const void *src, size_t n)
{
    if ((uintptr_t)dst - (uintptr_t)src >= n) return rt_copy_bytes(dst, src, n); /* no harmful overlap going forwards */
    /* dst overlaps the tail of src: copy backwards (direction flag set, and
     * cleared again because the ABI requires DF=0 at every call). */
    unsigned char *d = (unsigned char *)dst + n - 1;
    const unsigned char *s = (const unsigned char *)src + n - 1;
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return dst;
}

int rt_compare_bytes(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

#if !__STDC_HOSTED__
/* gcc emits calls to these four for struct copies, zeroing and large
 * builtins even under -ffreestanding; without libc, they are ours. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n) __attribute__((alias("rt_copy_bytes")));
void *memmove(void *dst, const void *src, size_t n) __attribute__((alias("rt_move_bytes")));
void *memset(void *dst, int value, size_t n) __attribute__((alias("rt_fill_bytes")));
int memcmp(const void *a, const void *b, size_t n) __attribute__((alias("rt_compare_bytes")));
#endif

size_t rt_strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

size_t rt_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

void rt_copy_string(char *dst, size_t cap, const char *src)
{
    size_t n = rt_strnlen(src, cap - 1);
    rt_copy_bytes(dst, src, n);
    dst[n] = 0;
}

int rt_strcmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && *x == *y) x++, y++;
    return (int)*x - (int)*y;
}

bool rt_streq(const char *a, const char *b) { return rt_strcmp(a, b) == 0; }

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

bool rt_streq_nocase(const char *a, const char *b)
{
    while (*a && ascii_lower(*a) == ascii_lower(*b)) a++, b++;
    return ascii_lower(*a) == ascii_lower(*b);
}

bool rt_starts_with(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++) return false;
    return true;
}

bool rt_ends_with_nocase(const char *s, const char *suffix)
{
    size_t n = rt_strlen(s), m = rt_strlen(suffix);
    return n >= m && rt_streq_nocase(s + n - m, suffix);
}

bool rt_parse_u64(const char *s, uint64_t *out)
{
    if (!*s) return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool rt_parse_float(const char *s, float *out)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
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
            if (mant > UINT64_MAX / 10 - 9) return false;
            mant = mant * 10 + (uint64_t)(*s - '0');
            if (dot) div *= 10;
        } else {
            return false;
        }
    }
    if (!digits) return false;
    double v = (double)mant / div;
    *out = (float)(neg ? -v : v);
    return true;
}
