/* libFuzzer harness for the runtime's formatter (firmware/rt/rt_format.h):
 * the input is read as a list of conversions within the supported set
 * (flags, width and precision, '*' ones included, each conversion with the
 * length modifiers and flags C defines for it) with their arguments and
 * some literal text; each is formatted by rt_snprintf and by the host C
 * library's snprintf into a buffer of a fuzzed size, allocated to exactly
 * that size so ASan sees any write past it. Text and return value must be
 * the same. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_format.h"

typedef struct input {
    const uint8_t *p;
    size_t left;
} input;

static uint64_t take(input *in, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && in->left; i++, in->left--) v |= (uint64_t)*in->p++ << (8 * i);
    return v;
}

enum conv { C_INT, C_UNSIGNED, C_CHAR, C_STRING, C_POINTER, C_DOUBLE, C_PERCENT, C_COUNT };

static const char *const int_lengths[] = {"", "hh", "h", "l", "ll", "z"};

/* Appends to fmt: flags, width, precision and conversion for kind, from the
 * input; *star_w / *star_p say whether '*' arguments come first. */
static size_t spec(input *in, enum conv kind, char *fmt, bool *star_w, bool *star_p, int *length)
{
    size_t n = 0;
    fmt[n++] = '%';
    if (kind == C_PERCENT) {
        fmt[n++] = '%';
        return n;
    }
    unsigned flags = (unsigned)take(in, 1);
    bool numeric = kind == C_INT || kind == C_UNSIGNED || kind == C_DOUBLE;
    bool is_signed = kind == C_INT || kind == C_DOUBLE;
    if (flags & 1) fmt[n++] = '-';
    if ((flags & 2) && numeric) fmt[n++] = '0';
    if ((flags & 4) && is_signed) fmt[n++] = '+';
    if ((flags & 8) && is_signed) fmt[n++] = ' ';
    *star_w = (flags & 0x30) == 0x30;
    if (*star_w)
        fmt[n++] = '*';
    else if (flags & 0x10)
        n += (size_t)sprintf(fmt + n, "%u", (unsigned)(take(in, 2) % 400));
    *star_p = false;
    if (kind != C_CHAR && kind != C_POINTER && (flags & 0xc0)) {
        fmt[n++] = '.';
        *star_p = (flags & 0xc0) == 0xc0;
        if (*star_p)
            fmt[n++] = '*';
        else if (flags & 0x40)
            n += (size_t)sprintf(fmt + n, "%u", (unsigned)(take(in, 2) % 400));
    }
    *length = 0;
    if (kind == C_INT || kind == C_UNSIGNED) {
        *length = (int)(take(in, 1) % 6);
        n += (size_t)sprintf(fmt + n, "%s", int_lengths[*length]);
    }
    static const char convs[C_COUNT][5] = {"di", "uxX", "c", "s", "p", "fFeEgG", "%"};
    const char *options = convs[kind];
    fmt[n++] = options[take(in, 1) % strlen(options)];
    fmt[n] = 0;
    return n;
}

static void check(const char *fmt, size_t cap, int wn, const char *want, int gn, const char *got)
{
    if (wn != gn || (cap && strcmp(want, got))) {
        fprintf(stderr, "format \"%s\" cap %zu: libc \"%s\" (%d), ours \"%s\" (%d)\n", fmt, cap, want, wn, got, gn);
        __builtin_trap();
    }
}

/* Both formatters, with the '*' arguments the spec asked for before ARG. */
#define BOTH(...)                                                                                                      \
    do {                                                                                                               \
        if (star_w && star_p) {                                                                                        \
            wn = snprintf(want, cap, fmt, w, pr, __VA_ARGS__);                                                         \
            gn = rt_snprintf(got, cap, fmt, w, pr, __VA_ARGS__);                                                       \
        } else if (star_w) {                                                                                           \
            wn = snprintf(want, cap, fmt, w, __VA_ARGS__);                                                             \
            gn = rt_snprintf(got, cap, fmt, w, __VA_ARGS__);                                                           \
        } else if (star_p) {                                                                                           \
            wn = snprintf(want, cap, fmt, pr, __VA_ARGS__);                                                            \
            gn = rt_snprintf(got, cap, fmt, pr, __VA_ARGS__);                                                          \
        } else {                                                                                                       \
            wn = snprintf(want, cap, fmt, __VA_ARGS__);                                                                \
            gn = rt_snprintf(got, cap, fmt, __VA_ARGS__);                                                              \
        }                                                                                                              \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    while (in.left) {
        char fmt[96];
        /* literal text around the conversion: input bytes but '%' and NUL */
        size_t lit = (size_t)take(&in, 1) % 8, n = 0;
        for (size_t i = 0; i < lit && in.left; i++) {
            char c = (char)take(&in, 1);
            fmt[n++] = c == '%' || c == 0 ? '.' : c;
        }
        enum conv kind = (enum conv)(take(&in, 1) % C_COUNT);
        bool star_w = false, star_p = false;
        int length = 0;
        n += spec(&in, kind, fmt + n, &star_w, &star_p, &length);
        fmt[n++] = '|';
        fmt[n] = 0;
        int w = (int)(take(&in, 2) % 801) - 400, pr = (int)(take(&in, 2) % 801) - 400;
        size_t cap = (size_t)take(&in, 1);
        cap = cap >= 200 ? 4096 : cap;
        char *want = malloc(4096), *got = malloc(cap ? cap : 1);
        int wn = 0, gn = 0;
        uint64_t bits = take(&in, 8);
        switch (kind) {
            case C_INT:
                if (length == 3)
                    BOTH((long)bits);
                else if (length == 4)
                    BOTH((long long)bits);
                else if (length == 5)
                    BOTH((ptrdiff_t)bits);
                else
                    BOTH((int)bits);
                break;
            case C_UNSIGNED:
                if (length == 3)
                    BOTH((unsigned long)bits);
                else if (length == 4)
                    BOTH((unsigned long long)bits);
                else if (length == 5)
                    BOTH((size_t)bits);
                else
                    BOTH((unsigned)bits);
                break;
            case C_CHAR: BOTH((int)(bits & 0xff) ? (int)(bits & 0xff) : 'a'); break;
            case C_STRING: {
                /* up to 40 input bytes, or NULL */
                char s[41];
                size_t len = (size_t)(bits % 41), k = 0;
                for (; k < len && in.left; k++) {
                    s[k] = (char)take(&in, 1);
                    if (!s[k]) break;
                }
                s[k] = 0;
                const char *arg = (bits >> 8) % 16 == 0 ? NULL : s;
                BOTH(arg);
                break;
            }
            case C_POINTER: BOTH((void *)(uintptr_t)bits); break;
            case C_DOUBLE: {
                double v;
                memcpy(&v, &bits, sizeof v);
                BOTH(v);
                break;
            }
            default:
                wn = snprintf(want, cap, fmt, 0);
                gn = rt_snprintf(got, cap, fmt, 0);
                break;
        }
        check(fmt, cap, wn, want, gn, got);
        free(want);
        free(got);
    }
    return 0;
}
