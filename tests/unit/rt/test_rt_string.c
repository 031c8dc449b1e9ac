/* The runtime's memory and string functions against libc's: every size and
 * alignment up to a few cache lines, overlapping moves both ways, and the
 * parsers at their limits. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "rt_string.h"

static int sign(int v) { return (v > 0) - (v < 0); }

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(i * 131 + seed * 7 + 1);
}

static void test_memory(void)
{
    enum { SIZE = 300 };
    unsigned char a[SIZE], b[SIZE], want[SIZE];
    for (size_t off = 0; off < 9; off++)
        for (size_t n = 0; n + off * 2 < SIZE; n += n < 40 ? 1 : 37) {
            fill_pattern(a, SIZE, 1), fill_pattern(b, SIZE, 2), fill_pattern(want, SIZE, 2);
            memcpy(want + off, a + 2 * off, n);
            CHECK(rt_copy_bytes(b + off, a + 2 * off, n) == b + off && !memcmp(b, want, SIZE));

            fill_pattern(b, SIZE, 3), fill_pattern(want, SIZE, 3);
            memset(want + off, 0xa5, n);
            CHECK(rt_fill_bytes(b + off, 0x1a5, n) == b + off && !memcmp(b, want, SIZE));

            /* overlapping both ways: dst after src, then before it */
            for (int dir = 0; dir < 2; dir++) {
                size_t src = dir ? off : 0, dst = dir ? 0 : off;
                fill_pattern(b, SIZE, 4), fill_pattern(want, SIZE, 4);
                memmove(want + dst, want + src, n);
                CHECK_MSG(rt_move_bytes(b + dst, b + src, n) == b + dst && !memcmp(b, want, SIZE),
                          "move %zu -> %zu, %zu bytes", src, dst, n);
            }

            fill_pattern(a, SIZE, 5), fill_pattern(b, SIZE, 5);
            CHECK(rt_compare_bytes(a + off, b + off, n) == 0);
            if (n) {
                b[off + n - 1] ^= 0x80; /* differs in the last byte, high bit: unsigned order */
                CHECK(sign(rt_compare_bytes(a + off, b + off, n)) == sign(memcmp(a + off, b + off, n)));
                CHECK(sign(rt_compare_bytes(b + off, a + off, n)) == sign(memcmp(b + off, a + off, n)));
            }
        }
    /* the macros are the compiler's builtins: constant sizes, bit casts */
    float f = 1.5f;
    uint32_t u;
    rt_memcpy(&u, &f, sizeof u);
    CHECK(u == 0x3fc00000u);
}

static void test_strings(void)
{
    char s[40];
    for (size_t n = 0; n < sizeof s - 1; n++) {
        memset(s, 'a', n);
        s[n] = 0;
        CHECK(rt_strlen(s) == n && rt_strnlen(s, 5) == (n < 5 ? n : 5));
        char cut[6];
        memset(cut, 'x', sizeof cut);
        rt_copy_string(cut, sizeof cut, s); /* at most 5 bytes, always terminated */
        CHECK(strlen(cut) == (n < 5 ? n : 5) && memcmp(cut, s, strlen(cut)) == 0);
    }
    static const char *const words[] = {"", "a", "ab", "abc", "abd", "b", "\xe9", "A", "aB"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        for (size_t j = 0; j < sizeof words / sizeof words[0]; j++) {
            CHECK(sign(rt_strcmp(words[i], words[j])) == sign(strcmp(words[i], words[j])));
            CHECK(rt_streq(words[i], words[j]) == (i == j));
        }
    CHECK(rt_streq_nocase("GGUF", "gguf") && !rt_streq_nocase("gguf", "ggu") && !rt_streq_nocase("a", "b"));
    CHECK(rt_starts_with("/load x", "/load") && !rt_starts_with("/lo", "/load") && rt_starts_with("x", ""));
    CHECK(rt_ends_with_nocase("model.GGUF", ".gguf") && !rt_ends_with_nocase("f", ".gguf"));

    uint64_t v = 0;
    CHECK(rt_parse_u64("18446744073709551615", &v) && v == UINT64_MAX);
    CHECK(!rt_parse_u64("18446744073709551616", &v) && !rt_parse_u64("", &v) && !rt_parse_u64("12x", &v));
    CHECK(!rt_parse_u64("-1", &v) && rt_parse_u64("007", &v) && v == 7);
    float f = 0;
    CHECK(rt_parse_float("0.7", &f) && f == 0.7f && rt_parse_float("-1e", &f) == false);
    CHECK(rt_parse_float("+.5", &f) && f == 0.5f && rt_parse_float("3", &f) && f == 3.0f);
    CHECK(!rt_parse_float(".", &f) && !rt_parse_float("1.2.3", &f) && !rt_parse_float("", &f));
}

int main(void)
{
    test_memory();
    test_strings();
    return CHECK_DONE();
}
