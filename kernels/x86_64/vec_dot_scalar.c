/* Reference dot products of one weight row with an activation row: float
 * types against f32, 32-element block types against Q8_0/Q8_1. Block dots
 * are exact integer sums scaled once per block, as in ggml. */
#include "kernels_scalar.h"
#include "quant_formats.h"

/* Sequential f32 accumulation, the order of llama2.c run.c's matmul, so the
 * scalar level reproduces run.c bit for bit on f32 models. */
float llmbm_vec_dot_f32_scalar(const void *w_row, const void *x_act, size_t n)
{
    const float *w = w_row, *x = x_act;
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) sum += w[i] * x[i];
    return sum;
}

float llmbm_vec_dot_f16_scalar(const void *w_row, const void *x_act, size_t n)
{
    const llmbm_fp16 *w = w_row;
    const float *x = x_act;
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) sum += llmbm_fp16_to_f32(w[i]) * x[i];
    return sum;
}

float llmbm_vec_dot_bf16_scalar(const void *w_row, const void *x_act, size_t n)
{
    const llmbm_bf16 *w = w_row;
    const float *x = x_act;
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) sum += llmbm_bf16_to_f32(w[i]) * x[i];
    return sum;
}

/* One Q4_0 block's term of the dot (quants qs, scale d). */
static float q4_0_term(const uint8_t *qs, llmbm_fp16 d, const block_q8_0 *y)
{
    int32_t sumi = 0;
    for (int j = 0; j < LLMBM_QK4_0 / 2; ++j) {
        sumi += ((qs[j] & 0x0F) - 8) * y->qs[j];
        sumi += ((qs[j] >> 4) - 8) * y->qs[j + 16];
    }
    return (llmbm_fp16_to_f32(d) * llmbm_fp16_to_f32(y->d)) * (float)sumi;
}

float llmbm_vec_dot_q4_0_scalar(const void *w_row, const void *x_act, size_t n)
{
    const block_q4_0 *w = w_row;
    const block_q8_0 *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK4_0; ++i) sumf += q4_0_term(w[i].qs, w[i].d, &y[i]);
    return sumf;
}

/* Q4_0x16, the reference: each row's blocks taken back out of the groups
 * and dotted exactly as Q4_0. Rows outside [row_begin, row_end) of a touched
 * group are skipped. */
void llmbm_matvec_rows_q4_0x16_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                      size_t row_end)
{
    const size_t nb = w->cols / LLMBM_QK4_0;
    const block_q4_0x16 *groups = w->data;
    const block_q8_0 *y = x_act;
    for (size_t row = row_begin; row < row_end; ++row) {
        const block_q4_0x16 *g = groups + row / LLMBM_X16_ROWS * nb;
        float sumf = 0.0f;
        for (size_t i = 0; i < nb; ++i) {
            block_q4_0 b;
            llmbm_q4_0_from_q4_0x16(&b, &g[i], (int)(row % LLMBM_X16_ROWS));
            sumf += q4_0_term(b.qs, b.d, &y[i]);
        }
        out[row] = sumf;
    }
}

/* The same sums and products as Q4_0, in the same order: equal results. */
float llmbm_vec_dot_q4_0p_scalar(const void *w_row, const void *x_act, size_t n)
{
    const size_t nb = n / LLMBM_QK4_0;
    const llmbm_fp16 *scales = llmbm_q4_0p_scales(w_row);
    const uint8_t *qs = llmbm_q4_0p_quants(w_row, nb);
    const block_q8_0 *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < nb; ++i, qs += 16) sumf += q4_0_term(qs, scales[i], &y[i]);
    return sumf;
}

/* x = d*q + m, so w.x = d*dy*sum(q*qy) + m * (dy*sum(qy)) = ... + m*s. */
float llmbm_vec_dot_q4_1_scalar(const void *w_row, const void *x_act, size_t n)
{
    const block_q4_1 *w = w_row;
    const block_q8_1 *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK4_1; ++i) {
        int32_t sumi = 0;
        for (int j = 0; j < LLMBM_QK4_1 / 2; ++j) {
            sumi += (w[i].qs[j] & 0x0F) * y[i].qs[j];
            sumi += (w[i].qs[j] >> 4) * y[i].qs[j + 16];
        }
        sumf += (llmbm_fp16_to_f32(w[i].d) * llmbm_fp16_to_f32(y[i].d)) * (float)sumi +
                llmbm_fp16_to_f32(w[i].m) * llmbm_fp16_to_f32(y[i].s);
    }
    return sumf;
}

float llmbm_vec_dot_q5_0_scalar(const void *w_row, const void *x_act, size_t n)
{
    const block_q5_0 *w = w_row;
    const block_q8_0 *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK5_0; ++i) {
        const uint32_t qh = llmbm_load_u32le(w[i].qh);
        int32_t sumi = 0;
        for (int j = 0; j < LLMBM_QK5_0 / 2; ++j) {
            const int x0 = ((w[i].qs[j] & 0x0F) | (int)(((qh >> j) & 1u) << 4)) - 16;
            const int x1 = ((w[i].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4)) - 16;
            sumi += x0 * y[i].qs[j] + x1 * y[i].qs[j + 16];
        }
        sumf += (llmbm_fp16_to_f32(w[i].d) * llmbm_fp16_to_f32(y[i].d)) * (float)sumi;
    }
    return sumf;
}

float llmbm_vec_dot_q5_1_scalar(const void *w_row, const void *x_act, size_t n)
{
    const block_q5_1 *w = w_row;
    const block_q8_1 *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK5_1; ++i) {
        const uint32_t qh = llmbm_load_u32le(w[i].qh);
        int32_t sumi = 0;
        for (int j = 0; j < LLMBM_QK5_1 / 2; ++j) {
            const int x0 = (w[i].qs[j] & 0x0F) | (int)(((qh >> j) & 1u) << 4);
            const int x1 = (w[i].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4);
            sumi += x0 * y[i].qs[j] + x1 * y[i].qs[j + 16];
        }
        sumf += (llmbm_fp16_to_f32(w[i].d) * llmbm_fp16_to_f32(y[i].d)) * (float)sumi +
                llmbm_fp16_to_f32(w[i].m) * llmbm_fp16_to_f32(y[i].s);
    }
    return sumf;
}

float llmbm_vec_dot_q8_0_scalar(const void *w_row, const void *x_act, size_t n)
{
    const block_q8_0 *w = w_row;
    const block_q8_0 *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK8_0; ++i) {
        int32_t sumi = 0;
        for (int j = 0; j < LLMBM_QK8_0; ++j) sumi += w[i].qs[j] * y[i].qs[j];
        sumf += (llmbm_fp16_to_f32(w[i].d) * llmbm_fp16_to_f32(y[i].d)) * (float)sumi;
    }
    return sumf;
}
