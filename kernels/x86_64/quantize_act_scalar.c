/* Reference activation quantizers, byte-exact to ggml's quantize_row_q8_0_ref,
 * quantize_row_q8_1_ref and quantize_row_q8_K_ref: same scale formula, same
 * rounding (roundf for Q8_0/Q8_1, round-half-even nearest_int for Q8_K), same
 * fp16 rounding of the stored scales. SIMD levels must produce the same bytes,
 * so the dot products do not depend on the ISA level. */
#include "kernels_scalar.h"
#include "quant_formats.h"

static float abs_max(const float *x, int n)
{
    float amax = 0.0f;
    for (int j = 0; j < n; ++j) {
        const float a = __builtin_fabsf(x[j]);
        amax = amax > a ? amax : a; /* ggml's MAX(amax, fabsf(v)) */
    }
    return amax;
}

void llmbm_quantize_row_q8_0_scalar(const float *x, void *dst, size_t n)
{
    block_q8_0 *y = dst;
    for (size_t i = 0; i < n / LLMBM_QK8_0; ++i, x += LLMBM_QK8_0) {
        const float d = abs_max(x, LLMBM_QK8_0) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = llmbm_f32_to_fp16(d);
        for (int j = 0; j < LLMBM_QK8_0; ++j) y[i].qs[j] = (int8_t)llmbm_round_away(x[j] * id);
    }
}

void llmbm_quantize_row_q8_1_scalar(const float *x, void *dst, size_t n)
{
    block_q8_1 *y = dst;
    for (size_t i = 0; i < n / LLMBM_QK8_1; ++i, x += LLMBM_QK8_1) {
        const float d = abs_max(x, LLMBM_QK8_1) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < LLMBM_QK8_1; ++j) {
            y[i].qs[j] = (int8_t)llmbm_round_away(x[j] * id);
            sum += y[i].qs[j];
        }
        y[i].d = llmbm_f32_to_fp16(d);
        /* the unrounded d, as ggml does: s is d * sum before fp16 rounding */
        y[i].s = llmbm_f32_to_fp16((float)sum * d);
    }
}

void llmbm_quantize_row_q8_K_scalar(const float *x, void *dst, size_t n)
{
    block_q8_K *y = dst;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i, x += LLMBM_QK_K) {
        /* the signed value of largest magnitude, first one on ties */
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < LLMBM_QK_K; ++j) {
            const float a = __builtin_fabsf(x[j]);
            if (a > amax) {
                amax = a;
                max = x[j];
            }
        }
        if (amax == 0.0f) {
            y[i].d = 0.0f;
            __builtin_memset(y[i].qs, 0, sizeof y[i].qs);
            /* ggml leaves bsums stale here; zero is the consistent value */
            __builtin_memset(y[i].bsums, 0, sizeof y[i].bsums);
            continue;
        }
        /* -127/max (not 128) maps the extreme to exactly -127, so every
         * quant fits int8 and bsums stay symmetric; ggml chose it for its
         * IQ kernels and the bytes must match. */
        const float iscale = -127.0f / max;
        for (int j = 0; j < LLMBM_QK_K; ++j) {
            const int32_t v = llmbm_nearest_int(iscale * x[j]);
            y[i].qs[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int g = 0; g < LLMBM_QK_K / 16; ++g) {
            int sum = 0;
            for (int l = 0; l < 16; ++l) sum += y[i].qs[g * 16 + l];
            y[i].bsums[g] = (int16_t)sum;
        }
        y[i].d = 1.0f / iscale;
    }
}
