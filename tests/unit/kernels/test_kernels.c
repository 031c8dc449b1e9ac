/* Kernel unit tests on random data, for every type and every ISA level in the
 * generated dispatch table that this CPU runs:
 * - the scalar conversions (fp16, rounding) against the C library/compiler;
 * - per type: dequantize vs vec_dot consistency, odd lengths, all-zero
 *   blocks, outliers, matvec_rows vs vec_dot;
 * - every level against the scalar level (activation quantizers byte-exact,
 *   dequantization bit-exact, dots within 1e-5 of sum |w_i x_i|, attention
 *   scores and weighted sums bit-exact).
 * New levels are picked up from the table without touching this file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_check.h"
#include "kernels_api.h"

static float uniform(void) /* [-1, 1) */ { return (float)((double)(rng() >> 11) * 0x1p-52 - 1.0); }

static float gauss(void)
{
    float s = 0;
    for (int i = 0; i < 12; ++i) s += uniform();
    return s * 0.5f;
}

/* ---- conversions ------------------------------------------------------ */

static void test_fp16(void)
{
    for (uint32_t h = 0; h < 65536; ++h) {
        const float f = llmbm_fp16_to_f32((llmbm_fp16)h);
#ifdef __FLT16_MAX__
        _Float16 ref;
        memcpy(&ref, &(uint16_t){(uint16_t)h}, 2);
        const float fr = (float)ref;
        CHECK(memcmp(&f, &fr, 4) == 0 || (isnan(f) && isnan(fr)), "fp16 %04x -> f32", h);
#endif
        if (!isnan(f))
            CHECK(llmbm_f32_to_fp16(f) == h, "fp16 round trip %04x", h);
        else
            CHECK((llmbm_f32_to_fp16(f) & 0x7c00) == 0x7c00 && (llmbm_f32_to_fp16(f) & 0x3ff), "NaN %04x", h);
    }
#ifdef __FLT16_MAX__
    /* f32 -> fp16 rounding against the compiler's (RNE) conversion over a
     * stride of all bit patterns, plus exact halfway points */
    for (uint64_t u = 0; u < (1ull << 32); u += 211) {
        float f;
        uint32_t bits = (uint32_t)u;
        memcpy(&f, &bits, 4);
        if (isnan(f)) continue;
        const _Float16 r = (_Float16)f;
        uint16_t want;
        memcpy(&want, &r, 2);
        CHECK(llmbm_f32_to_fp16(f) == want, "f32 %08x -> fp16 %04x, want %04x", bits, llmbm_f32_to_fp16(f), want);
    }
    for (uint32_t h = 0; h < 0x7c00; ++h) {
        const float lo = llmbm_fp16_to_f32((llmbm_fp16)h), hi = llmbm_fp16_to_f32((llmbm_fp16)(h + 1));
        const float mid = (lo + hi) * 0.5f; /* exact: one more bit */
        for (int s = 0; s < 2; ++s) {
            const float f = s ? -mid : mid;
            const _Float16 r = (_Float16)f;
            uint16_t want;
            memcpy(&want, &r, 2);
            CHECK(llmbm_f32_to_fp16(f) == want, "halfway %g", (double)f);
        }
    }
#endif
    CHECK(llmbm_bf16_to_f32(0x3f80) == 1.0f, "bf16 1.0");
    CHECK(llmbm_bf16_to_f32(0xc040) == -3.0f, "bf16 -3.0");
}

static void test_rounding(void)
{
    static const float cases[] = {0.0f,         -0.0f,      0.5f,       -0.5f, 1.5f,   2.5f,   -2.5f,       0.49999997f,
                                  -0.49999997f, 8388607.5f, 8388608.0f, 1e30f, -1e30f, 126.5f, -127.49999f, 1e-40f};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        const float r = llmbm_round_away(cases[i]), want = roundf(cases[i]);
        CHECK(memcmp(&r, &want, 4) == 0, "round_away(%.9g) = %.9g, want %.9g", (double)cases[i], (double)r,
              (double)want);
    }
    for (int i = 0; i < 1000000; ++i) {
        const float x = uniform() * (i % 2 ? 200.0f : 4194303.0f);
        const float r = llmbm_round_away(x);
        CHECK(r == roundf(x), "round_away(%.9g)", (double)x);
        CHECK(llmbm_nearest_int(x) == (int32_t)rintf(x), "nearest_int(%.9g)", (double)x);
        const float half = floorf(x) + 0.5f; /* ties go to even */
        CHECK(llmbm_nearest_int(half) == (int32_t)rintf(half), "nearest_int tie %.9g", (double)half);
        CHECK(llmbm_round_away(half) == roundf(half), "round_away tie %.9g", (double)half);
    }
}

/* ---- random rows of each type ------------------------------------------ */

static const llmbm_type weight_types[] = {LLMBM_F32,  LLMBM_F16,  LLMBM_BF16, LLMBM_Q4_0, LLMBM_Q4_0P,
                                          LLMBM_Q4_1, LLMBM_Q5_0, LLMBM_Q5_1, LLMBM_Q8_0, LLMBM_Q2_K,
                                          LLMBM_Q3_K, LLMBM_Q4_K, LLMBM_Q5_K, LLMBM_Q6_K};

/* Byte offsets of the fp16 scale fields in a block: random bytes there could
 * be inf/NaN, so they get sane random scales instead. */
static int fp16_fields(llmbm_type t, int off[2])
{
    switch (t) {
        case LLMBM_Q4_0:
        case LLMBM_Q5_0:
        case LLMBM_Q8_0: off[0] = 0; return 1;
        case LLMBM_Q4_1:
        case LLMBM_Q5_1:
        case LLMBM_Q4_K:
        case LLMBM_Q5_K:
            off[0] = 0;
            off[1] = 2;
            return 2;
        case LLMBM_Q2_K:
            off[0] = 80;
            off[1] = 82;
            return 2;
        case LLMBM_Q3_K: off[0] = 108; return 1;
        case LLMBM_Q6_K: off[0] = 208; return 1;
        default: return 0;
    }
}

enum fill { FILL_RANDOM, FILL_ZERO, FILL_OUTLIER };

static void random_row(llmbm_type t, size_t n, uint8_t *dst, enum fill fill)
{
    if (t == LLMBM_Q4_0P) { /* a random Q4_0 row, converted */
        static uint8_t q4_0[4096 * 18 / 32];
        random_row(LLMBM_Q4_0, n, q4_0, fill);
        llmbm_q4_0p_from_q4_0(dst, q4_0, n / 32);
        return;
    }
    const llmbm_type_traits *tr = llmbm_type_traits_of(t);
    const size_t bytes = llmbm_row_bytes(t, n);
    if (fill == FILL_ZERO) {
        memset(dst, 0, bytes);
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        const float v = gauss() * ((fill == FILL_OUTLIER && i % 37 == 5) ? 80.0f : 1.0f);
        if (t == LLMBM_F32)
            memcpy(dst + 4 * i, &v, 4);
        else if (t == LLMBM_F16)
            ((llmbm_fp16 *)(void *)dst)[i] = llmbm_f32_to_fp16(v);
        else if (t == LLMBM_BF16)
            ((llmbm_bf16 *)(void *)dst)[i] = (llmbm_bf16)(llmbm_f32_bits(v) >> 16);
    }
    if (tr->block_size == 1) return;
    for (size_t i = 0; i < bytes; ++i) dst[i] = (uint8_t)rng();
    int off[2];
    const int nf = fp16_fields(t, off);
    for (size_t b = 0; b < n / tr->block_size; ++b)
        for (int f = 0; f < nf; ++f) {
            float scale = uniform() * 0.05f * ((fill == FILL_OUTLIER && b == 1) ? 1000.0f : 1.0f);
            llmbm_fp16 h = llmbm_f32_to_fp16(scale);
            memcpy(dst + b * tr->block_bytes + (size_t)off[f], &h, 2);
        }
}

static void random_x(float *x, size_t n, enum fill fill)
{
    for (size_t i = 0; i < n; ++i)
        x[i] = fill == FILL_ZERO ? 0.0f : gauss() * ((fill == FILL_OUTLIER && i % 53 == 7) ? 1e4f : 1.0f);
}

/* The activation in the type's vec_dot format, and its f32 value. */
static void prepare_act(const llmbm_kernel_table *k, llmbm_type wt, const float *x, size_t n, void *act,
                        float *act_value)
{
    const llmbm_type at = llmbm_type_traits_of(wt)->vec_dot_type;
    const void *xa = llmbm_kernels_prepare_act(k, wt, x, act, n);
    if (at == LLMBM_F32) {
        CHECK(xa == x, "float weights take x as is");
        memcpy(act, x, n * 4);
        memcpy(act_value, x, n * 4);
        return;
    }
    CHECK(xa == act, "quantized weights take the buffer");
    llmbm_kernel_dequantize_row(k, at)(act, act_value, n);
}

static double cond_scale(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; ++i) s += fabs((double)a[i] * b[i]);
    return s > 0 ? s : 1e-30;
}

static double dot64(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; ++i) s += (double)a[i] * b[i];
    return s;
}

/* For Q4_1/Q5_1 weights: the dot as the Q8_1 format defines it, the min term
 * m * dy * sum(qy) taken from the activation's stored fp16 s = dy * sum(qy). */
static double dot64_q8_1(const uint8_t *row, size_t block_bytes, const void *act, const float *w_deq,
                         const float *x_deq, size_t n)
{
    const block_q8_1 *y = act;
    double s = 0;
    for (size_t b = 0; b < n / LLMBM_QK8_1; ++b) {
        llmbm_fp16 mh; /* m follows d in both block_q4_1 and block_q5_1 */
        memcpy(&mh, row + b * block_bytes + 2, 2);
        const double m = llmbm_fp16_to_f32(mh);
        for (size_t i = b * LLMBM_QK8_1; i < (b + 1) * LLMBM_QK8_1; ++i) s += ((double)w_deq[i] - m) * x_deq[i];
        s += m * llmbm_fp16_to_f32(y[b].s);
    }
    return s;
}

#define MAXN 4096

static void test_type_consistency(const llmbm_kernel_table *k, llmbm_type t)
{
    const llmbm_type_traits *tr = llmbm_type_traits_of(t);
    static uint8_t row[MAXN * 4], act[MAXN * 4] __attribute__((aligned(16)));
    static float x[MAXN], w_deq[MAXN], x_deq[MAXN];
    const size_t bs = tr->block_size;
    const size_t lengths[] = {bs, 3 * bs, 7 * bs, bs == 1 ? 1001 : 16 * bs};
    const bool q8_1 = tr->vec_dot_type == LLMBM_Q8_1;

    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; ++li) {
        const size_t n = lengths[li];
        if (n > MAXN) continue;
        for (int fill = FILL_RANDOM; fill <= FILL_OUTLIER; ++fill) {
            for (int xfill = FILL_RANDOM; xfill <= FILL_OUTLIER; ++xfill) {
                random_row(t, n, row, (enum fill)fill);
                random_x(x, n, (enum fill)xfill);
                prepare_act(k, t, x, n, act, x_deq);
                llmbm_kernel_dequantize_row(k, t)(row, w_deq, n);
                const float got = llmbm_kernel_vec_dot(k, t)(row, act, n);
                const double want =
                    q8_1 ? dot64_q8_1(row, tr->block_bytes, act, w_deq, x_deq, n) : dot64(w_deq, x_deq, n);
                const double err = fabs(got - want) / cond_scale(w_deq, x_deq, n);
                CHECK(isfinite(got) && err <= 1e-5, "%s %s n=%zu fill=%d/%d: dot %.9g want %.9g (err %.2e)", k->name,
                      tr->name, n, fill, xfill, (double)got, want, err);
                if (fill == FILL_ZERO || xfill == FILL_ZERO)
                    CHECK(got == 0.0f, "%s %s: zero row/activation gives %g", k->name, tr->name, (double)got);
            }
        }
    }
}

/* Quantized activations reproduce x to half a step (plus the fp16 rounding
 * of the stored scale for Q8_0/Q8_1). */
static void test_quantizer_error(const llmbm_kernel_table *k, llmbm_type at)
{
    static float x[MAXN], back[MAXN];
    static uint8_t q[MAXN * 2] __attribute__((aligned(16)));
    const size_t bs = llmbm_type_traits_of(at)->block_size, n = 8 * bs;
    for (int fill = FILL_RANDOM; fill <= FILL_OUTLIER; ++fill) {
        random_x(x, n, (enum fill)fill);
        llmbm_kernel_quantize_row(k, at)(x, q, n);
        llmbm_kernel_dequantize_row(k, at)(q, back, n);
        for (size_t b = 0; b < n / bs; ++b) {
            float amax = 0;
            for (size_t i = b * bs; i < (b + 1) * bs; ++i) amax = fmaxf(amax, fabsf(x[i]));
            const float step = amax / 127.0f;
            for (size_t i = b * bs; i < (b + 1) * bs; ++i)
                CHECK(fabsf(x[i] - back[i]) <= 0.6f * step + 1e-30f, "%s q%d x=%g back=%g step=%g", k->name, (int)at,
                      (double)x[i], (double)back[i], (double)step);
        }
    }
}

/* Rows 1..9 of 11: SIMD levels take rows in groups (of 4) and then one at a
 * time, and 32-element types in steps of 16 blocks and then of 4 or 2 blocks
 * and single ones, so 9 rows of 23 blocks (16 + 4 + 2 + 1) reach every path,
 * the odd last block included. */
static void test_matvec(const llmbm_kernel_table *k, llmbm_type t)
{
    enum { ROWS = 11, FIRST = 1, END = 10, MAXCOLS = 24 * 32 };
    const llmbm_type_traits *tr = llmbm_type_traits_of(t);
    const size_t cols = tr->block_size == 1 ? 333 : tr->block_size == 32 ? 23 * 32 : 2 * LLMBM_QK_K;
    const size_t rb = llmbm_row_bytes(t, cols);
    static uint8_t w[ROWS * MAXCOLS * 4], act[4096] __attribute__((aligned(16)));
    static float x[MAXCOLS], x_deq[MAXCOLS];
    for (int r = 0; r < ROWS; ++r)
        random_row(t, cols, w + r * rb, r == 2 ? FILL_ZERO : r == 7 ? FILL_OUTLIER : FILL_RANDOM);
    random_x(x, cols, FILL_RANDOM);
    prepare_act(k, t, x, cols, act, x_deq);
    const llmbm_weight weight = {.type = t, .rows = ROWS, .cols = (uint32_t)cols, .data = w};
    float out[ROWS + 1];
    for (int i = 0; i <= ROWS; ++i) out[i] = -12345.0f;
    llmbm_kernel_matvec_rows(k, t)(&weight, act, out, FIRST, END);
    CHECK(out[0] == -12345.0f && out[END] == -12345.0f && out[ROWS] == -12345.0f, "%s %s: matvec wrote outside",
          k->name, tr->name);
    for (int r = FIRST; r < END; ++r) {
        const float want = llmbm_kernel_vec_dot(k, t)(w + r * rb, act, cols);
        CHECK(memcmp(&out[r], &want, 4) == 0, "%s %s row %d: matvec %g vs vec_dot %g", k->name, tr->name, r,
              (double)out[r], (double)want);
    }
}

/* Q4_0P is Q4_0 in another order: the reference level must give the same
 * floats for both, and the planes must hold the blocks' scales and quants. */
static void test_q4_0p_is_q4_0(const llmbm_kernel_table *scalar)
{
    enum { NB = 19 };
    static uint8_t q4_0[NB * 18], q4_0p[NB * 18], act[NB * 34] __attribute__((aligned(16)));
    static float x[NB * 32], x_deq[NB * 32], a[NB * 32], b[NB * 32];
    for (int fill = FILL_RANDOM; fill <= FILL_OUTLIER; ++fill) {
        random_row(LLMBM_Q4_0, NB * 32, q4_0, (enum fill)fill);
        llmbm_q4_0p_from_q4_0(q4_0p, q4_0, NB);
        for (size_t i = 0; i < NB; ++i) {
            const block_q4_0 *blk = (const block_q4_0 *)(const void *)q4_0 + i;
            CHECK(llmbm_q4_0p_scales(q4_0p)[i] == blk->d, "q4_0p scale %zu", i);
            CHECK(memcmp(llmbm_q4_0p_quants(q4_0p, NB) + 16 * i, blk->qs, 16) == 0, "q4_0p quants %zu", i);
        }
        static uint8_t back[NB * 18], scratch[NB * 18];
        memcpy(back, q4_0p, sizeof back);
        llmbm_relayout_back(back, 1, NB * 32, LLMBM_Q4_0P, scratch);
        CHECK(memcmp(back, q4_0, sizeof back) == 0, "q4_0p relayout back (fill %d)", fill);
        llmbm_kernel_dequantize_row(scalar, LLMBM_Q4_0)(q4_0, a, NB * 32);
        llmbm_kernel_dequantize_row(scalar, LLMBM_Q4_0P)(q4_0p, b, NB * 32);
        CHECK(memcmp(a, b, sizeof a) == 0, "q4_0p dequantizes like q4_0 (fill %d)", fill);
        random_x(x, NB * 32, FILL_RANDOM);
        prepare_act(scalar, LLMBM_Q4_0P, x, NB * 32, act, x_deq);
        const float d0 = llmbm_kernel_vec_dot(scalar, LLMBM_Q4_0)(q4_0, act, NB * 32);
        const float dp = llmbm_kernel_vec_dot(scalar, LLMBM_Q4_0P)(q4_0p, act, NB * 32);
        CHECK(memcmp(&d0, &dp, 4) == 0, "q4_0p dot %g vs q4_0 %g (fill %d)", (double)dp, (double)d0, fill);
    }
}

/* The interleaved layouts: 32 random rows (2 groups) of `nb` blocks of
 * `base` (Q4_K or Q4_0), converted. The conversion must round-trip every
 * byte, and at every level the interleaved mat-vec must give the scalar
 * base type's dot of each row bit for bit (exact integer sums, then the
 * same float steps), for whole and partial groups, writing nothing outside
 * its range. */
static void test_x16(const llmbm_kernel_table *k, const llmbm_kernel_table *scalar, llmbm_type base, llmbm_type x16,
                     size_t nb)
{
    enum { ROWS = 32, MAXROW = 3 * 144 };
    const llmbm_type_traits *tr = llmbm_type_traits_of(base);
    const size_t cols = nb * tr->block_size, rb = nb * tr->block_bytes, gb = 16 * rb;
    static uint8_t rows[ROWS * MAXROW], conv[ROWS * MAXROW], act[MAXROW * 4] __attribute__((aligned(64)));
    static float x[3 * LLMBM_QK_K], x_deq[3 * LLMBM_QK_K], want[ROWS], got[ROWS + 1];
    for (int fill = FILL_RANDOM; fill <= FILL_OUTLIER; ++fill) {
        for (int r = 0; r < ROWS; ++r) random_row(base, cols, rows + r * rb, r == 3 ? FILL_ZERO : (enum fill)fill);
        for (int g = 0; g < ROWS / 16; ++g) {
            if (x16 == LLMBM_Q4_KX16)
                llmbm_q4_kx16_from_q4_k(conv + g * gb, rows + g * gb, nb);
            else
                llmbm_q4_0x16_from_q4_0(conv + g * gb, rows + g * gb, nb);
        }
        /* the loader's in-place form of the same conversion */
        static uint8_t in_place[ROWS * MAXROW], scratch[16 * MAXROW];
        memcpy(in_place, rows, ROWS * rb);
        CHECK(llmbm_relayout_scratch_bytes(x16, cols) == gb, "%s scratch bytes", llmbm_type_traits_of(x16)->name);
        llmbm_relayout(in_place, ROWS, cols, x16, scratch);
        CHECK(memcmp(in_place, conv, ROWS * rb) == 0, "%s in-place relayout", llmbm_type_traits_of(x16)->name);
        /* and back, as when the kernel level changes after loading */
        llmbm_relayout_back(in_place, ROWS, cols, x16, scratch);
        CHECK(memcmp(in_place, rows, ROWS * rb) == 0, "%s in-place relayout back", llmbm_type_traits_of(x16)->name);
        for (int r = 0; r < ROWS; ++r)
            for (size_t i = 0; i < nb; ++i) {
                const void *want_block = rows + r * rb + i * tr->block_bytes;
                if (x16 == LLMBM_Q4_KX16) {
                    block_q4_K back;
                    llmbm_q4_k_from_q4_kx16(&back, (const block_q4_Kx16 *)(const void *)conv + (r / 16) * nb + i,
                                            r % 16);
                    CHECK(memcmp(&back, want_block, sizeof back) == 0, "q4_Kx16 round trip row %d block %zu", r, i);
                } else {
                    block_q4_0 back;
                    llmbm_q4_0_from_q4_0x16(&back, (const block_q4_0x16 *)(const void *)conv + (r / 16) * nb + i,
                                            r % 16);
                    CHECK(memcmp(&back, want_block, sizeof back) == 0, "q4_0x16 round trip row %d block %zu", r, i);
                }
            }
        random_x(x, cols, (enum fill)fill);
        prepare_act(k, base, x, cols, act, x_deq);
        for (int r = 0; r < ROWS; ++r) want[r] = llmbm_kernel_vec_dot(scalar, base)(rows + r * rb, act, cols);
        const llmbm_weight w = {.type = x16, .rows = ROWS, .cols = (uint32_t)cols, .data = conv};
        static const size_t ranges[][2] = {{0, ROWS}, {16, 32}, {5, 27}, {17, 18}};
        for (size_t ri = 0; ri < sizeof ranges / sizeof ranges[0]; ++ri) {
            for (int r = 0; r <= ROWS; ++r) got[r] = -12345.0f;
            llmbm_kernel_matvec_rows(k, x16)(&w, act, got, ranges[ri][0], ranges[ri][1]);
            for (size_t r = 0; r <= ROWS; ++r) {
                const bool in = r >= ranges[ri][0] && r < ranges[ri][1];
                CHECK(in ? memcmp(&got[r], &want[r], 4) == 0 : got[r] == -12345.0f,
                      "%s %s rows [%zu, %zu) fill %d: row %zu = %g, want %g", k->name, llmbm_type_traits_of(x16)->name,
                      ranges[ri][0], ranges[ri][1], fill, r, (double)got[r], in ? (double)want[r] : -12345.0);
            }
        }
    }
}

/* ---- every level against the scalar one --------------------------------- */

static void test_level_vs_scalar(const llmbm_kernel_table *k, const llmbm_kernel_table *ref)
{
    static uint8_t row[MAXN * 4], act_k[MAXN * 4] __attribute__((aligned(16))),
        act_ref[MAXN * 4] __attribute__((aligned(16)));
    static float x[MAXN], deq_k[MAXN], deq_ref[MAXN];
    static const llmbm_type acts[] = {LLMBM_Q8_0, LLMBM_Q8_1, LLMBM_Q8_K};

    for (size_t a = 0; a < 3; ++a) {
        const llmbm_type at = acts[a];
        const size_t n = 16 * LLMBM_QK_K, bytes = llmbm_row_bytes(at, n);
        for (int fill = FILL_RANDOM; fill <= FILL_OUTLIER; ++fill) {
            random_x(x, n, (enum fill)fill);
            llmbm_kernel_quantize_row(k, at)(x, act_k, n);
            llmbm_kernel_quantize_row(ref, at)(x, act_ref, n);
            CHECK(memcmp(act_k, act_ref, bytes) == 0, "%s quantize %s differs from scalar", k->name,
                  llmbm_type_traits_of(at)->name);
        }
    }
    for (size_t i = 0; i < sizeof weight_types / sizeof weight_types[0]; ++i) {
        const llmbm_type t = weight_types[i];
        const llmbm_type_traits *tr = llmbm_type_traits_of(t);
        const size_t n = tr->block_size == 1 ? 1001 : 8 * LLMBM_QK_K;
        for (int fill = FILL_RANDOM; fill <= FILL_OUTLIER; ++fill) {
            random_row(t, n, row, (enum fill)fill);
            random_x(x, n, FILL_RANDOM);
            llmbm_kernel_dequantize_row(k, t)(row, deq_k, n);
            llmbm_kernel_dequantize_row(ref, t)(row, deq_ref, n);
            CHECK(memcmp(deq_k, deq_ref, n * 4) == 0, "%s dequantize %s differs from scalar", k->name, tr->name);
            prepare_act(ref, t, x, n, act_ref, deq_ref);
            const float got = llmbm_kernel_vec_dot(k, t)(row, act_ref, n);
            const float want = llmbm_kernel_vec_dot(ref, t)(row, act_ref, n);
            const double err = fabs((double)got - want) / cond_scale(deq_k, deq_ref, n);
            CHECK(err <= 1e-5, "%s vec_dot %s: %.9g vs scalar %.9g", k->name, tr->name, (double)got, (double)want);
        }
    }
}

/* Inputs where x * id lands exactly on .5 (roundf goes away from zero,
 * Q8_K's nearest_int to even) and on the clamp: the places a vectorised
 * rounding would most likely differ from the scalar one. */
static void test_quantizer_ties(const llmbm_kernel_table *k, const llmbm_kernel_table *ref)
{
    static float x[2 * LLMBM_QK_K];
    static uint8_t qk[2 * LLMBM_QK_K * 2] __attribute__((aligned(16))),
        qr[2 * LLMBM_QK_K * 2] __attribute__((aligned(16)));
    static const llmbm_type acts[] = {LLMBM_Q8_0, LLMBM_Q8_1, LLMBM_Q8_K};
    const size_t n = 2 * LLMBM_QK_K;
    for (int variant = 0; variant < 3; ++variant) {
        for (size_t i = 0; i < n; ++i) {
            const float half = (float)((int)(rng() % 254) - 127) + 0.5f; /* -126.5 .. 126.5 */
            x[i] = variant == 2 ? -half : half;
        }
        /* amax 127 per 32-block makes the Q8_0 id exactly 1; a -127 first
         * (variant 1: +127) makes the Q8_K iscale exactly +-1 */
        for (size_t b = 0; b < n; b += 32) x[b + (b / 32) % 32] = variant == 1 ? 127.0f : -127.0f;
        for (size_t a = 0; a < 3; ++a) {
            const size_t bytes = llmbm_row_bytes(acts[a], n);
            llmbm_kernel_quantize_row(k, acts[a])(x, qk, n);
            llmbm_kernel_quantize_row(ref, acts[a])(x, qr, n);
            CHECK(memcmp(qk, qr, bytes) == 0, "%s quantize %s differs from scalar on ties (variant %d)", k->name,
                  llmbm_type_traits_of(acts[a])->name, variant);
        }
    }
}

/* ---- attention -------------------------------------------------------- */

/* attn_scores/attn_accum at level k against scalar, bit for bit (the engine's
 * tokens depend on it), over odd head sizes and timestep counts that leave
 * tails at every vector width, a cache stride wider than a head (as in the
 * real KV cache), and values spanning many binades so any reordered sum or
 * fused multiply-add would show. */
static void test_attention_vs_scalar(const llmbm_kernel_table *k, const llmbm_kernel_table *ref)
{
    static const size_t head_sizes[] = {1, 3, 4, 7, 8, 15, 17, 31, 33, 48, 63, 64, 65, 80, 97, 128, 131};
    enum { MAX_T = 53, MAX_HS = 131, PAD = 5 };
    const size_t stride = MAX_HS * 3 + PAD;
    static float q[MAX_HS], cache_k[MAX_T * (MAX_HS * 3 + PAD)], cache_v[MAX_T * (MAX_HS * 3 + PAD)];
    static float att_ref[MAX_T], att[MAX_T + 1], out_ref[MAX_HS], out[MAX_HS + 1];
    const llmbm_attn_scores_fn scores = llmbm_kernel_attn_scores(k, LLMBM_F32);
    const llmbm_attn_accum_fn accum = llmbm_kernel_attn_accum(k, LLMBM_F32);
    const llmbm_attn_scores_fn scores_ref = llmbm_kernel_attn_scores(ref, LLMBM_F32);
    const llmbm_attn_accum_fn accum_ref = llmbm_kernel_attn_accum(ref, LLMBM_F32);
    CHECK(scores && accum && scores_ref && accum_ref, "%s: attention kernels missing", k->name);
    if (!scores || !accum || !scores_ref || !accum_ref) return;
    for (size_t i = 0; i < sizeof cache_k / sizeof cache_k[0]; ++i) {
        cache_k[i] = gauss() * ldexpf(1.0f, (int)(rng() % 24) - 12);
        cache_v[i] = gauss() * ldexpf(1.0f, (int)(rng() % 24) - 12);
    }
    for (size_t hi = 0; hi < sizeof head_sizes / sizeof head_sizes[0]; ++hi) {
        const size_t hs = head_sizes[hi];
        for (size_t i = 0; i < hs; ++i) q[i] = gauss() * ldexpf(1.0f, (int)(rng() % 16) - 8);
        const float scale = sqrtf((float)hs);
        for (size_t n_t = 1; n_t <= MAX_T; n_t += (n_t < 20 ? 1 : 11)) {
            /* sentinels one past the end catch writes beyond n_t / head_size */
            att[n_t] = out[hs] = 12345.0f;
            scores_ref(att_ref, q, cache_k + 1, stride, hs, n_t, scale);
            scores(att, q, cache_k + 1, stride, hs, n_t, scale);
            CHECK(memcmp(att, att_ref, n_t * sizeof(float)) == 0 && att[n_t] == 12345.0f,
                  "%s: attn_scores head_size %zu n_t %zu differs from scalar", k->name, hs, n_t);
            /* softmax-like weights in [0, 1) make the sum realistic */
            for (size_t t = 0; t < n_t; ++t) att_ref[t] = (uniform() + 1.0f) * 0.5f;
            accum_ref(out_ref, att_ref, cache_v + 3, stride, hs, n_t);
            accum(out, att_ref, cache_v + 3, stride, hs, n_t);
            CHECK(memcmp(out, out_ref, hs * sizeof(float)) == 0 && out[hs] == 12345.0f,
                  "%s: attn_accum head_size %zu n_t %zu differs from scalar", k->name, hs, n_t);
        }
    }
}

/* Why a level is skipped, in words: the CPUID bits and XCR0 state it lacks. */
static void print_missing(const llmbm_kernel_table *k, const llmbm_cpu_features *cpu)
{
    static const struct {
        uint64_t bit;
        const char *name;
    } names[] = {
        {LLMBM_CPU_SSE2, "sse2"},         {LLMBM_CPU_SSSE3, "ssse3"},
        {LLMBM_CPU_FMA, "fma"},           {LLMBM_CPU_SSE4_1, "sse4.1"},
        {LLMBM_CPU_OSXSAVE, "osxsave"},   {LLMBM_CPU_AVX, "avx"},
        {LLMBM_CPU_F16C, "f16c"},         {LLMBM_CPU_AVX2, "avx2"},
        {LLMBM_CPU_BMI2, "bmi2"},         {LLMBM_CPU_AVX512F, "avx512f"},
        {LLMBM_CPU_AVX512DQ, "avx512dq"}, {LLMBM_CPU_AVX512BW, "avx512bw"},
        {LLMBM_CPU_AVX512VL, "avx512vl"}, {LLMBM_CPU_AVX512VNNI, "avx512vnni"},
    };
    const uint64_t lacks = k->cpuid_required & ~cpu->cpuid;
    printf("level %s: skipped: CPU lacks", k->name);
    for (uint64_t b = 1; b; b <<= 1) {
        if (!(lacks & b)) continue;
        const char *name = NULL;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
            if (names[i].bit == b) name = names[i].name;
        if (name)
            printf(" %s", name);
        else
            printf(" cpuid-bit-%d", __builtin_ctzll(b));
    }
    const uint64_t xcr0 = k->xcr0_required & ~cpu->xcr0;
    if (xcr0) printf(" (OS-enabled XCR0 state lacks %#llx)", (unsigned long long)xcr0);
    printf("\n");
}

static void test_dispatch_api(const llmbm_cpu_features *cpu)
{
    CHECK(cpu->cpuid & LLMBM_CPU_SSE2, "x86_64 always has SSE2");
    const llmbm_isa_level best = llmbm_kernels_best_level(cpu);
    CHECK(llmbm_isa_level_supported(best, cpu), "best level %d unsupported", (int)best);
    CHECK(llmbm_kernels_select(LLMBM_ISA_COUNT) == NULL, "select past the end");
    CHECK(llmbm_isa_level_from_name("no-such-isa") == -1, "unknown name");
    CHECK(llmbm_isa_level_from_name(NULL) == -1, "NULL name");
    const llmbm_cpu_features none = {0, 0};
    CHECK(llmbm_kernels_best_level(&none) == LLMBM_ISA_SCALAR, "no features -> scalar");
    for (int l = 0; l < LLMBM_ISA_COUNT; ++l) {
        const llmbm_kernel_table *k = llmbm_kernels_select((llmbm_isa_level)l);
        CHECK(k && k->level == (llmbm_isa_level)l, "table %d", l);
        CHECK(llmbm_isa_level_from_name(llmbm_isa_level_name((llmbm_isa_level)l)) == l, "name of %d", l);
        for (size_t i = 0; i < sizeof weight_types / sizeof weight_types[0]; ++i) {
            const llmbm_type t = weight_types[i];
            CHECK(llmbm_kernel_matvec_rows(k, t) && llmbm_kernel_vec_dot(k, t) && llmbm_kernel_dequantize_row(k, t),
                  "%s lacks a kernel for %s", k->name, llmbm_type_traits_of(t)->name);
        }
        CHECK(llmbm_kernel_attn_scores(k, LLMBM_F32) && llmbm_kernel_attn_accum(k, LLMBM_F32),
              "%s lacks the attention kernels", k->name);
    }
    const llmbm_kernel_table *scalar = llmbm_kernels_select(LLMBM_ISA_SCALAR);
    CHECK(llmbm_kernel_matvec_rows(scalar, LLMBM_AK42_Q8) == NULL, "AK42 slot");
    CHECK(llmbm_kernels_prepare_act(scalar, LLMBM_AK42_Q8, NULL, NULL, 0) == NULL, "AK42 act");
    CHECK(llmbm_kernels_prepare_act(scalar, (llmbm_type)4, NULL, NULL, 0) == NULL, "type 4 act");
    printf("cpu: cpuid bits %#llx xcr0 %#llx, best level %s\n", (unsigned long long)cpu->cpuid,
           (unsigned long long)cpu->xcr0, llmbm_isa_level_name(best));
}

int main(void)
{
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    test_dispatch_api(&cpu);
    test_fp16();
    test_rounding();

    const llmbm_kernel_table *scalar = llmbm_kernels_select(LLMBM_ISA_SCALAR);
    test_q4_0p_is_q4_0(scalar);
    for (int l = 0; l < LLMBM_ISA_COUNT; ++l) {
        const llmbm_kernel_table *k = llmbm_kernels_select((llmbm_isa_level)l);
        if (!llmbm_isa_level_supported((llmbm_isa_level)l, &cpu)) {
            print_missing(k, &cpu);
            continue;
        }
        const int before = failures;
        for (size_t i = 0; i < sizeof weight_types / sizeof weight_types[0]; ++i) {
            test_type_consistency(k, weight_types[i]);
            test_matvec(k, weight_types[i]);
        }
        test_quantizer_error(k, LLMBM_Q8_0);
        test_quantizer_error(k, LLMBM_Q8_1);
        test_quantizer_error(k, LLMBM_Q8_K);
        /* scalar against itself too, so this comparison code is exercised
         * before the first SIMD level exists */
        test_level_vs_scalar(k, scalar);
        test_quantizer_ties(k, scalar);
        test_attention_vs_scalar(k, scalar);
        test_x16(k, scalar, LLMBM_Q4_K, LLMBM_Q4_KX16, 3);
        test_x16(k, scalar, LLMBM_Q4_0, LLMBM_Q4_0X16, 23);
        printf("level %s: %s\n", k->name, failures == before ? "ok" : "FAILED");
    }
    if (failures) fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
