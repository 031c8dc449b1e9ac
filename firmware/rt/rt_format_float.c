/* %f %e %g for the formatter (rt_format.h), digit for digit what the C
 * library prints: a double is M * 2^E exactly, so its decimal expansion is
 * finite; it is produced from big integers (the integer part divided down
 * by 10^9, the fraction multiplied up by 10) and rounded half to even, as
 * glibc rounds in the default rounding mode. Slow next to Ryu-style
 * printers, which does not matter for messages and statistics. */
#include "rt_format_internal.h"
#include "rt_string.h"

#include <stdint.h>

#define INT_LIMBS  33 /* 1056 bits: above DBL_MAX's 1024 */
#define FRAC_LIMBS 34 /* 1088 bits: below the smallest subnormal's 2^-1074 */
/* Integer digits of DBL_MAX (309), a digit rounding carries in, the precision. */
#define MAX_DIGITS (310 + RT_FORMAT_MAX_WIDTH + 2)

/* The decimal digits of one non-negative finite double, most significant first. */
typedef struct digit_source {
    char ipart[312]; /* integer digits as values 0..9, no leading zeros */
    size_t ni, taken;
    uint32_t frac[FRAC_LIMBS]; /* the fraction times 2^(32*FRAC_LIMBS), little-endian limbs */
} digit_source;

static void set_bits(uint32_t *limbs, uint64_t value, int shift)
{
    for (int b = 0; b < 64; b++)
        if ((value >> b) & 1) {
            int pos = shift + b;
            limbs[pos / 32] |= 1u << (pos % 32);
        }
}

static bool limbs_zero(const uint32_t *limbs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (limbs[i]) return false;
    return true;
}

/* limbs /= divisor; returns the remainder. */
static uint32_t limbs_divide(uint32_t *limbs, size_t n, uint32_t divisor)
{
    uint64_t rem = 0;
    for (size_t i = n; i--;) {
        uint64_t cur = rem << 32 | limbs[i];
        limbs[i] = (uint32_t)(cur / divisor);
        rem = cur % divisor;
    }
    return (uint32_t)rem;
}

static void source_init(digit_source *src, double v)
{
    uint64_t bits;
    rt_memcpy(&bits, &v, sizeof bits);
    int biased = (int)(bits >> 52) & 0x7ff;
    uint64_t mant = bits & ((1ull << 52) - 1);
    int e2 = -1074;
    if (biased) {
        mant |= 1ull << 52;
        e2 = biased - 1075;
    }
    uint32_t whole[INT_LIMBS] = {0};
    rt_memset(src->frac, 0, sizeof src->frac);
    if (e2 >= 0) {
        set_bits(whole, mant, e2);
    } else {
        int s = -e2;
        set_bits(whole, s < 64 ? mant >> s : 0, 0);
        set_bits(src->frac, s < 64 ? mant & ((1ull << s) - 1) : mant, 32 * FRAC_LIMBS - s);
    }
    uint32_t chunks[INT_LIMBS * 32 / 29 + 1]; /* base 10^9, least significant first */
    size_t nc = 0;
    while (!limbs_zero(whole, INT_LIMBS)) chunks[nc++] = limbs_divide(whole, INT_LIMBS, 1000000000u);
    src->ni = src->taken = 0;
    for (size_t c = nc; c--;) {
        char nine[9];
        for (int i = 8; i >= 0; i--, chunks[c] /= 10) nine[i] = (char)(chunks[c] % 10);
        int first = 0;
        if (c == nc - 1)
            while (first < 8 && nine[first] == 0) first++;
        for (int i = first; i < 9; i++) src->ipart[src->ni++] = nine[i];
    }
}

static int next_digit(digit_source *src)
{
    if (src->taken < src->ni) return src->ipart[src->taken++];
    uint64_t carry = 0;
    for (size_t i = 0; i < FRAC_LIMBS; i++) {
        uint64_t t = (uint64_t)src->frac[i] * 10 + carry;
        src->frac[i] = (uint32_t)t;
        carry = t >> 32;
    }
    return (int)carry;
}

static bool rest_nonzero(const digit_source *src)
{
    for (size_t i = src->taken; i < src->ni; i++)
        if (src->ipart[i]) return true;
    return !limbs_zero(src->frac, FRAC_LIMBS);
}

/* Rounds d[0..n) (digit values) by the digits after it, half to even.
 * Returns true when the carry ran out of d[0] (all were 9s, now 0s). */
static bool round_digits(char *d, size_t n, digit_source *src)
{
    int next = next_digit(src);
    bool odd = n > 0 && (d[n - 1] & 1);
    if (next < 5 || (next == 5 && !odd && !rest_nonzero(src))) return false;
    for (size_t i = n; i--;) {
        if (d[i] < 9) {
            d[i]++;
            return false;
        }
        d[i] = 0;
    }
    return true;
}

/* Fixed notation with prec fraction digits: d holds the integer digits then
 * the fraction's; returns how many of them are integer digits. */
static size_t fixed_digits(double v, int prec, char *d, size_t *n)
{
    digit_source src;
    source_init(&src, v);
    size_t whole = src.ni ? src.ni : 1;
    size_t k = 0;
    if (!src.ni) d[k++] = 0;
    while (k < whole + (size_t)prec) d[k++] = (char)next_digit(&src);
    if (round_digits(d, k, &src)) {
        rt_memmove(d + 1, d, k);
        d[0] = 1;
        k++, whole++;
    }
    *n = k;
    return whole;
}

/* Scientific notation: prec + 1 significant digits in d; returns the
 * decimal exponent of d[0]. */
static int scientific_digits(double v, int prec, char *d)
{
    size_t count = (size_t)prec + 1;
    if (v == 0.0) {
        rt_memset(d, 0, count);
        return 0;
    }
    digit_source src;
    source_init(&src, v);
    int exp10 = (int)src.ni - 1;
    int first = next_digit(&src);
    while (first == 0) { /* below 1: skip the fraction's leading zeros */
        exp10--;
        first = next_digit(&src);
    }
    d[0] = (char)first;
    for (size_t k = 1; k < count; k++) d[k] = (char)next_digit(&src);
    if (round_digits(d, count, &src)) {
        d[0] = 1;
        exp10++;
    }
    return exp10;
}

static size_t put_digits(char *out, const char *d, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = (char)('0' + d[i]);
    return n;
}

/* Drops trailing fraction zeros and a bare '.' of a fixed-notation body, as
 * %g does without '#'. */
static size_t strip_zeros(const char *body, size_t n)
{
    size_t dot = n;
    for (size_t i = 0; i < n; i++)
        if (body[i] == '.') dot = i;
    if (dot == n) return n;
    while (n > dot + 1 && body[n - 1] == '0') n--;
    return n == dot + 1 ? dot : n;
}

static size_t format_fixed(char *body, double v, int prec)
{
    char d[MAX_DIGITS];
    size_t n, whole = fixed_digits(v, prec, d, &n);
    size_t len = put_digits(body, d, whole);
    if (prec > 0) {
        body[len++] = '.';
        len += put_digits(body + len, d + whole, n - whole);
    }
    return len;
}

static size_t format_scientific(char *body, const char *d, int prec, int exp10, bool upper)
{
    size_t len = put_digits(body, d, 1);
    if (prec > 0) {
        body[len++] = '.';
        len += put_digits(body + len, d + 1, (size_t)prec);
    }
    body[len++] = upper ? 'E' : 'e';
    body[len++] = exp10 < 0 ? '-' : '+';
    int e = exp10 < 0 ? -exp10 : exp10;
    if (e >= 100) body[len++] = (char)('0' + e / 100);
    body[len++] = (char)('0' + e / 10 % 10);
    body[len++] = (char)('0' + e % 10);
    return len;
}

void rt_format_double(rt_out *o, const rt_spec *spec, double v)
{
    char sign = __builtin_signbit(v) ? '-' : spec->sign;
    if (__builtin_signbit(v)) v = -v;
    bool upper = spec->conv == 'F' || spec->conv == 'E' || spec->conv == 'G';
    if (v != v || v > 1.7976931348623157e308) {
        const char *word = v != v ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
        rt_out_field(o, spec, &sign, sign != 0, word, 3, false);
        return;
    }
    int prec = spec->prec < 0 ? 6 : spec->prec;
    char body[MAX_DIGITS + 8];
    size_t len;
    char lower = (char)(spec->conv | 0x20);
    if (lower == 'f') {
        len = format_fixed(body, v, prec);
    } else if (lower == 'e') {
        char d[MAX_DIGITS];
        int exp10 = scientific_digits(v, prec, d);
        len = format_scientific(body, d, prec, exp10, upper);
    } else {
        /* C's %g: the exponent X that %e with precision P - 1 gives picks
         * %f with precision P - 1 - X when P > X >= -4, else that %e. */
        int p = prec == 0 ? 1 : prec;
        char d[MAX_DIGITS];
        int exp10 = scientific_digits(v, p - 1, d);
        if (exp10 < p && exp10 >= -4)
            len = strip_zeros(body, format_fixed(body, v, p - 1 - exp10));
        else {
            int shown = p - 1; /* the mantissa's fraction digits, trailing zeros dropped */
            while (shown > 0 && d[shown] == 0) shown--;
            len = format_scientific(body, d, shown, exp10, upper);
        }
    }
    rt_out_field(o, spec, &sign, sign != 0, body, len, spec->zero && !spec->left);
}
