/* The F32x16 mat-vec loop (quant_formats.h: 16 rows interleaved, element j
 * of row k at float j * 16 + k of the group), written once for every level
 * by the including file's vector type: VEC (a vector of VEC_LANES floats),
 * VEC_ZERO(), VEC_LOAD(p), VEC_SET1(f), VEC_ADD(a, b), VEC_MUL(a, b),
 * VEC_STORE(p, v). Lane k of accumulator m sums row 16g + m * VEC_LANES + k
 * as acc = acc + w[j] * x[j] for j = 0, 1, ..., a rounded multiply then a
 * rounded add, exactly the scalar loop's floats: the loads are contiguous,
 * the activation element is a broadcast, nothing is shuffled or fused. Two
 * groups advance together where the registers allow, so their add chains
 * overlap. */
#define F32X16_ACCS (16 / VEC_LANES)

static inline __attribute__((always_inline)) void f32x16_group_step(VEC *acc, const float *g, float xj)
{
    const VEC xv = VEC_SET1(xj);
    for (int m = 0; m < F32X16_ACCS; ++m) acc[m] = VEC_ADD(acc[m], VEC_MUL(VEC_LOAD(g + m * VEC_LANES), xv));
}

static void f32x16_rows(const llmbm_weight *w, const float *x, float *out, size_t row_begin, size_t row_end)
{
    const size_t n = w->cols, group = 16 * n;
    const float *data = w->data;
    size_t r = row_begin;
    for (; r + 32 <= row_end; r += 32) {
        const float *g0 = data + r * n, *g1 = g0 + group;
        VEC a[F32X16_ACCS], b[F32X16_ACCS];
        for (int m = 0; m < F32X16_ACCS; ++m) a[m] = b[m] = VEC_ZERO();
        for (size_t j = 0; j < n; ++j) {
            f32x16_group_step(a, g0 + 16 * j, x[j]);
            f32x16_group_step(b, g1 + 16 * j, x[j]);
        }
        for (int m = 0; m < F32X16_ACCS; ++m) {
            VEC_STORE(out + r + m * VEC_LANES, a[m]);
            VEC_STORE(out + r + 16 + m * VEC_LANES, b[m]);
        }
    }
    for (; r + 16 <= row_end; r += 16) {
        const float *g0 = data + r * n;
        VEC a[F32X16_ACCS];
        for (int m = 0; m < F32X16_ACCS; ++m) a[m] = VEC_ZERO();
        for (size_t j = 0; j < n; ++j) f32x16_group_step(a, g0 + 16 * j, x[j]);
        for (int m = 0; m < F32X16_ACCS; ++m) VEC_STORE(out + r + m * VEC_LANES, a[m]);
    }
}
