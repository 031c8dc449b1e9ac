/* The exact F32 mat-vecs (kernels/x86_64/matvec_f32_<level>.c) at every ISA
 * level this CPU runs, against the scalar level bit for bit: the scalar level
 * is the sequential sum llama2.c run.c computes (checked here against the
 * plain C loop), and the SIMD levels put rows in lanes without changing a
 * bit. Row ranges cover full 16-row groups, 8- and 4-row leftovers and single
 * rows, starting anywhere; column counts leave every tail length of 16; the
 * values span many binades so a reordered or fused sum would show. The
 * F32x16 layout (16 rows interleaved, quant_formats.h) must give the plain
 * matrix's scalar floats at every level, and llmbm_relayout_back must
 * restore the plain bytes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel_check.h"
#include "kernels_api.h"

static float value(void) /* sign * [1, 2) * 2^[-12, 11] */
{
    const float m = 1.0f + (float)((double)(rng() >> 40) * 0x1p-24);
    const float v = ldexpf(m, (int)(rng() % 24) - 12);
    return rng() & 1 ? -v : v;
}

/* the loop ops.c ran before F32 went through the table, i.e. run.c's matmul */
static float plain_dot(const float *row, const float *x, size_t n)
{
    float val = 0.0f;
    for (size_t j = 0; j < n; j++) val += row[j] * x[j];
    return val;
}

enum { MAX_ROWS = 83, MAX_COLS = 300 };

static float w[MAX_ROWS * MAX_COLS], x[MAX_COLS];

static void test_level(const llmbm_kernel_table *k, const llmbm_kernel_table *scalar)
{
    static const size_t cols[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 64, 77, 128, 255, 300};
    static const size_t ranges[][2] = {{0, 83},  {0, 16}, {1, 17}, {3, 35}, {5, 29}, {0, 1},
                                       {82, 83}, {7, 15}, {2, 6},  {0, 48}, {9, 80}, {40, 40}};
    const llmbm_matvec_rows_fn rows = llmbm_kernel_matvec_rows(k, LLMBM_F32);
    const llmbm_matvec_rows_fn rows_ref = llmbm_kernel_matvec_rows(scalar, LLMBM_F32);
    CHECK(rows && rows_ref, "%s: no f32 matvec_rows", k->name);
    if (!rows || !rows_ref) return;
    float out[MAX_ROWS + 1], want[MAX_ROWS + 1];
    for (size_t ci = 0; ci < sizeof cols / sizeof cols[0]; ++ci) {
        const size_t n = cols[ci];
        for (size_t i = 0; i < MAX_ROWS * n; ++i) w[i] = value();
        for (size_t i = 0; i < n; ++i) x[i] = value();
        /* exact cancellation and zeros inside the sums */
        w[3 * n] = -w[3 * n + (n > 1)];
        w[5 * n] = 0.0f;
        const llmbm_weight weight = {.type = LLMBM_F32, .rows = MAX_ROWS, .cols = (uint32_t)n, .data = w};
        for (size_t ri = 0; ri < sizeof ranges / sizeof ranges[0]; ++ri) {
            const size_t b = ranges[ri][0], e = ranges[ri][1];
            for (size_t r = 0; r <= MAX_ROWS; ++r) out[r] = want[r] = -12345.0f;
            rows(&weight, x, out, b, e);
            rows_ref(&weight, x, want, b, e);
            CHECK(memcmp(out, want, sizeof out) == 0,
                  "%s: f32 matvec_rows cols %zu rows [%zu, %zu) differs from scalar", k->name, n, b, e);
            if (k == scalar)
                for (size_t r = b; r < e; ++r) {
                    const float p = plain_dot(w + r * n, x, n);
                    CHECK(memcmp(&want[r], &p, 4) == 0, "scalar f32 row %zu (cols %zu) is not run.c's sum", r, n);
                }
        }
    }
}

static float w16[MAX_ROWS * MAX_COLS], scratch[16 * MAX_COLS];

static void test_level_x16(const llmbm_kernel_table *k, const llmbm_kernel_table *scalar)
{
    static const size_t cols[] = {1, 3, 16, 17, 64, 255, 300};
    enum { ROWS = 80 }; /* five groups: pairs of groups, then one */
    static const size_t ranges[][2] = {{0, 80}, {16, 80}, {32, 48}, {0, 16}, {48, 80}, {16, 64}};
    const llmbm_matvec_rows_fn rows = llmbm_kernel_matvec_rows(k, LLMBM_F32X16);
    const llmbm_matvec_rows_fn rows_ref = llmbm_kernel_matvec_rows(scalar, LLMBM_F32);
    CHECK(rows && rows_ref, "%s: no f32x16 matvec_rows", k->name);
    if (!rows || !rows_ref) return;
    CHECK(llmbm_relayout_scratch_bytes(LLMBM_F32X16, 300) == sizeof scratch, "f32x16 scratch bytes");
    float out[ROWS + 1], want[ROWS + 1];
    for (size_t ci = 0; ci < sizeof cols / sizeof cols[0]; ++ci) {
        const size_t n = cols[ci];
        for (size_t i = 0; i < ROWS * n; ++i) w[i] = value();
        for (size_t i = 0; i < n; ++i) x[i] = value();
        memcpy(w16, w, ROWS * n * sizeof(float));
        llmbm_relayout(w16, ROWS, n, LLMBM_F32X16, scratch);
        CHECK(w16[1] == (n > 1 ? w[n] : w[1]) && w16[16 * n + 2] == w[18 * n],
              "%s cols %zu: f32x16 is not "
              "interleaved as quant_formats.h says",
              k->name, n);
        const llmbm_weight plain = {.type = LLMBM_F32, .rows = ROWS, .cols = (uint32_t)n, .data = w};
        const llmbm_weight x16 = {.type = LLMBM_F32X16, .rows = ROWS, .cols = (uint32_t)n, .data = w16};
        for (size_t ri = 0; ri < sizeof ranges / sizeof ranges[0]; ++ri) {
            const size_t b = ranges[ri][0], e = ranges[ri][1];
            for (size_t r = 0; r <= ROWS; ++r) out[r] = want[r] = -12345.0f;
            rows(&x16, x, out, b, e);
            rows_ref(&plain, x, want, b, e);
            CHECK(memcmp(out, want, sizeof out) == 0,
                  "%s: f32x16 matvec_rows cols %zu rows [%zu, %zu) differs from scalar f32", k->name, n, b, e);
        }
        llmbm_relayout_back(w16, ROWS, n, LLMBM_F32X16, scratch);
        CHECK(memcmp(w16, w, ROWS * n * sizeof(float)) == 0, "f32x16 cols %zu: relayout_back is not the plain rows", n);
    }
}

int main(void)
{
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    const llmbm_kernel_table *scalar = llmbm_kernels_select(LLMBM_ISA_SCALAR);
    for (int l = 0; l < LLMBM_ISA_COUNT; ++l) {
        const llmbm_kernel_table *k = llmbm_kernels_select((llmbm_isa_level)l);
        if (!llmbm_isa_level_supported((llmbm_isa_level)l, &cpu)) {
            printf("level %s: skipped, this CPU or its enabled XCR0 state lacks it\n", k->name);
            continue;
        }
        const int before = failures;
        test_level(k, scalar);
        test_level_x16(k, scalar);
        printf("level %s: %s\n", k->name, failures == before ? "ok" : "FAILED");
    }
    if (failures) fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
