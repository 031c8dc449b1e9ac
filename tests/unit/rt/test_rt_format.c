/* The runtime's formatter against the host C library's snprintf: the same
 * format strings over many values (integers at their limits, doubles from
 * random bit patterns, halfway cases), every result and return value
 * compared byte for byte, and in small buffers for truncation. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "rt_format.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static int compared;

/* Formats with both into buffers of several sizes (the whole output, a cut
 * one, only the NUL) and compares text, return value and the byte after. */
static void same(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void same(const char *fmt, ...)
{
    static const size_t caps[] = {1100, 7, 1};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        char want[1200], got[1200];
        memset(got, 'X', sizeof got);
        va_list ap, ap2;
        va_start(ap, fmt);
        va_copy(ap2, ap);
        int wn = vsnprintf(want, caps[c], fmt, ap);
        int gn = rt_vsnprintf(got, caps[c], fmt, ap2);
        va_end(ap2);
        va_end(ap);
        CHECK_MSG(wn == gn && !strcmp(want, got) && got[caps[c]] == 'X',
                  "format \"%s\" cap %zu: libc \"%s\" (%d), ours \"%s\" (%d)", fmt, caps[c], want, wn, got, gn);
        compared++;
    }
}
#define SAME same

static const char *const int_formats[] = {
    "%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%.3d", "%8.3d", "%-+8.3d|", "%.0d", "%+.0d", "%020d", "%- 7d|",
};
static const char *const unsigned_formats[] = {
    "%u", "%x", "%X", "%12u", "%-12x|", "%012X", "%.5u", "%.0x", "%8.4x",
};
static const char *const llong_formats[] = {"%lld", "%25lld", "%-25lld|", "%025lld", "%+lld", "%.22lld", "%ld", "%li"};
static const char *const ullong_formats[] = {"%llu", "%llx", "%llX", "%lu", "%lx", "%zu", "%zx", "%030llu", "%.21llx"};
static const char *const double_formats[] = {
    "%f",      "%.0f",  "%.1f",  "%.2f",  "%.3f",      "%.17f", "%e", "%.0e",   "%.3e",     "%E",
    "%g",      "%.0g",  "%.1g",  "%.3g",  "%.9g",      "%.17g", "%G", "%10.3f", "%-12.4e|", "%+g",
    "%012.3f", "% .2e", "%.40f", "%.25e", "%-+14.6g|", "%014g", "%F", "%5.2f",  "% f",      "%.60g",
};

static void test_integers(void)
{
    static const long long edges[] = {
        0,
        1,
        -1,
        9,
        10,
        99,
        100,
        -100,
        127,
        128,
        -128,
        255,
        256,
        32767,
        -32768,
        65535,
        65536,
        INT_MAX,
        INT_MIN,
        (long long)INT_MAX + 1,
        UINT_MAX,
        LLONG_MAX,
        LLONG_MIN,
        LLONG_MIN + 1,
        1000000000000ll,
    };
    for (size_t i = 0; i < sizeof edges / sizeof edges[0] + 400; i++) {
        long long v =
            i < sizeof edges / sizeof edges[0] ? edges[i] : (long long)(next_random() >> (next_random() % 64));
        if (i >= sizeof edges / sizeof edges[0] && (i & 1)) v = -v;
        for (size_t f = 0; f < sizeof int_formats / sizeof int_formats[0]; f++) SAME(int_formats[f], (int)v);
        for (size_t f = 0; f < sizeof unsigned_formats / sizeof unsigned_formats[0]; f++)
            SAME(unsigned_formats[f], (unsigned)v);
        for (size_t f = 0; f < sizeof llong_formats / sizeof llong_formats[0]; f++) SAME(llong_formats[f], v);
        for (size_t f = 0; f < sizeof ullong_formats / sizeof ullong_formats[0]; f++)
            SAME(ullong_formats[f], (unsigned long long)v);
        SAME("%hd %hu %hhd %hhu %hx", (int)v, (unsigned)v, (int)v, (unsigned)v, (unsigned)v);
        SAME("%*d|%-*d|%.*d", (int)(v % 40), (int)v, (int)(v % 9), (int)v, (int)(v % 12), (int)v);
    }
}

static double random_double(void)
{
    for (;;) {
        uint64_t bits = next_random();
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isfinite(v)) return v;
    }
}

static void test_doubles(void)
{
    static const double edges[] = {
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        1.5,
        2.5,
        -2.5,
        0.125,
        0.375,
        2.25,
        1e-5,
        10000.0,
        12345.678,
        3.14159,
        0.1,
        0.05,
        0.95,
        9.5,
        99.5,
        999999.5,
        9.9999999,
        0.00001234,
        1e15,
        1e16,
        1e17,
        1e22,
        1e23,
        123456789012345678.0,
        DBL_MAX,
        -DBL_MAX,
        DBL_MIN,
        4.9406564584124654e-324,
        2.2250738585072009e-308,
        1.8446744073709552e19,
        9.223372036854775807e18,
        0.000099999,
        0.0001,
        100000.0,
        999999.0,
        1000000.0,
        5e-5,
        1e100,
        1e-100,
    };
    size_t n_edges = sizeof edges / sizeof edges[0];
    for (size_t i = 0; i < n_edges + 600; i++) {
        double v;
        if (i < n_edges)
            v = edges[i];
        else if (i % 3 == 0)
            v = random_double();
        else /* values of everyday size, where short precisions round */
            v = (double)(int64_t)(next_random() % 2000001 - 1000000) / (double)(1 << (next_random() % 24));
        for (size_t f = 0; f < sizeof double_formats / sizeof double_formats[0]; f++) SAME(double_formats[f], v);
        SAME("%*.*f|%.*e", (int)(i % 30), (int)(i % 7), v, (int)(i % 20), v);
    }
    SAME("%f %e %g %F %E %G", INFINITY, INFINITY, -INFINITY, INFINITY, -INFINITY, INFINITY);
    SAME("%f %e %g %F %E %G", NAN, NAN, -NAN, NAN, -NAN, NAN);
    SAME("%8f|%-8e|%08g|%+f", INFINITY, NAN, -INFINITY, INFINITY);
}

static void test_strings_and_pointers(void)
{
    const char *volatile null = NULL;
    SAME("[%s] [%10s] [%-10s] [%.2s] [%.*s] [%5.1s]", "abc", "abc", "abc", "abc", 2, "abcdef", "xyz");
    SAME("[%s] [%.6s] [%10s] [%.5s] [%.0s]", null, null, null, null, null);
    SAME("%c%c%5c|%-3c|", 'a', 0x7f, 'b', 'c');
    SAME("%p %20p %-20p| %p", (void *)&rng, (void *)&rng, (void *)&rng, (void *)null);
    SAME("100%% %s%%", "x");
    SAME("%s", "");
    SAME("a%sb%sc", "", "\xc3\xa9");
}

static void test_truncation(void)
{
    char buf[8];
    memset(buf, 'X', sizeof buf);
    /* width beyond the buffer: cut, NUL-terminated, the whole length returned */
    CHECK(rt_snprintf(buf, 4, "%10d", 5) == 10 && !strcmp(buf, "   ") && buf[4] == 'X');
    CHECK(rt_snprintf(buf, 5, "%s", "truncated") == 9 && !strcmp(buf, "trun"));
    CHECK(rt_snprintf(NULL, 0, "%lld", (long long)INT64_MIN) == 20);
    memset(buf, 'X', sizeof buf);
    CHECK(rt_snprintf(buf, 1, "%s", "abc") == 3 && buf[0] == 0 && buf[1] == 'X');
    CHECK(rt_snprintf(buf, sizeof buf, "%lld", (long long)INT64_MIN) == 20 && !strcmp(buf, "-922337"));
    /* a trailing lone '%' prints nothing; an unknown conversion prints itself */
    /* (through a variable: the compiler rejects these formats written out) */
    const char *volatile odd = "ab%";
    CHECK(rt_snprintf(buf, sizeof buf, odd) == 2 && !strcmp(buf, "ab"));
    char big[32];
    odd = "%q%d";
    CHECK(rt_snprintf(big, sizeof big, odd, 4) == 3 && !strcmp(big, "%q4"));
    /* widths saturate rather than overflow */
    odd = "%99999999999d";
    CHECK(rt_snprintf(NULL, 0, odd, 1) == RT_FORMAT_MAX_WIDTH);
    volatile int most_negative = INT_MIN;
    CHECK(rt_snprintf(NULL, 0, "%*d", most_negative, 1) == RT_FORMAT_MAX_WIDTH);
}

int main(void)
{
    test_integers();
    test_doubles();
    test_strings_and_pointers();
    test_truncation();
    fprintf(stderr, "%d formats compared with libc\n", compared);
    return CHECK_DONE();
}
