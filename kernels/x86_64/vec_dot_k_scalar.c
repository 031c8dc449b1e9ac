/* Reference dot products of K-quant weight rows with Q8_K activations.
 * Each super-block is unpacked to 256 signed quants in element order, then
 * summed exactly in integers per 16-element group times its scale; the
 * weights' mins use the activation's precomputed group sums (bsums). Floats
 * enter once per super-block: sumf += (d*dy)*sumi - (dmin*dy)*summ. */
#include "kernels_scalar.h"
#include "quant_formats.h"

/* sum over the 16 groups of scale[g] * (q[g*16..] . y[g*16..]) */
static int32_t scaled_group_dot(const int8_t q[LLMBM_QK_K], const int8_t *y, const int8_t scale[16])
{
    int32_t sumi = 0;
    for (int g = 0; g < 16; ++g) {
        int32_t s = 0;
        for (int l = 0; l < 16; ++l) s += q[g * 16 + l] * y[g * 16 + l];
        sumi += scale[g] * s;
    }
    return sumi;
}

float llmbm_vec_dot_q2_K_scalar(const void *w_row, const void *x_act, size_t n)
{
    const block_q2_K *w = w_row;
    const block_q8_K *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        int8_t q[LLMBM_QK_K], scale[16];
        int32_t summ = 0;
        for (int g = 0; g < 16; ++g) {
            scale[g] = (int8_t)(w[i].scales[g] & 0xF);
            summ += (w[i].scales[g] >> 4) * y[i].bsums[g];
        }
        /* element 128h + 32p + k (k < 32) is bits 2p..2p+1 of qs[32h + k] */
        for (int h = 0; h < 2; ++h)
            for (int p = 0; p < 4; ++p)
                for (int k = 0; k < 32; ++k) q[128 * h + 32 * p + k] = (int8_t)((w[i].qs[32 * h + k] >> (2 * p)) & 3);
        const int32_t sumi = scaled_group_dot(q, y[i].qs, scale);
        const float dall = llmbm_fp16_to_f32(w[i].d) * y[i].d;
        const float dmin = llmbm_fp16_to_f32(w[i].dmin) * y[i].d;
        sumf += dall * (float)sumi - dmin * (float)summ;
    }
    return sumf;
}

float llmbm_vec_dot_q3_K_scalar(const void *w_row, const void *x_act, size_t n)
{
    const block_q3_K *w = w_row;
    const block_q8_K *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        int8_t q[LLMBM_QK_K], scale[16];
        llmbm_q3k_scales(w[i].scales, scale);
        /* as Q2_K, plus bit (4h + p) of hmask[k]: clear means -4 */
        for (int h = 0; h < 2; ++h)
            for (int p = 0; p < 4; ++p)
                for (int k = 0; k < 32; ++k) {
                    const int low = (w[i].qs[32 * h + k] >> (2 * p)) & 3;
                    const int hi = (w[i].hmask[k] >> (4 * h + p)) & 1;
                    q[128 * h + 32 * p + k] = (int8_t)(low - (hi ? 0 : 4));
                }
        const int32_t sumi = scaled_group_dot(q, y[i].qs, scale);
        sumf += (llmbm_fp16_to_f32(w[i].d) * y[i].d) * (float)sumi;
    }
    return sumf;
}

/* Q4_K and Q5_K: 8 sub-blocks of 32, each with a 6-bit scale and min. */
static void k4_scales_mins(const uint8_t *packed, int8_t scale16[16], int32_t *summ, const int16_t *bsums)
{
    *summ = 0;
    for (int j = 0; j < 8; ++j) {
        uint8_t sc, m;
        llmbm_k4_scale_min(j, packed, &sc, &m);
        /* 6-bit values fit int8; each 32-element sub-block is two groups */
        scale16[2 * j] = scale16[2 * j + 1] = (int8_t)sc;
        *summ += m * (bsums[2 * j] + bsums[2 * j + 1]);
    }
}

/* One Q4_K super-block's term of the dot. */
static float q4_K_term(const block_q4_K *w, const block_q8_K *y)
{
    int8_t q[LLMBM_QK_K], scale[16];
    int32_t summ;
    k4_scales_mins(w->scales, scale, &summ, y->bsums);
    /* element 64c + k is the low nibble of qs[32c + k], 64c + 32 + k the high */
    for (int c = 0; c < 4; ++c)
        for (int k = 0; k < 32; ++k) {
            q[64 * c + k] = (int8_t)(w->qs[32 * c + k] & 0xF);
            q[64 * c + 32 + k] = (int8_t)(w->qs[32 * c + k] >> 4);
        }
    const int32_t sumi = scaled_group_dot(q, y->qs, scale);
    const float dall = llmbm_fp16_to_f32(w->d) * y->d;
    const float dmin = llmbm_fp16_to_f32(w->dmin) * y->d;
    return dall * (float)sumi - dmin * (float)summ;
}

float llmbm_vec_dot_q4_K_scalar(const void *w_row, const void *x_act, size_t n)
{
    const block_q4_K *w = w_row;
    const block_q8_K *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) sumf += q4_K_term(&w[i], &y[i]);
    return sumf;
}

/* Q4_Kx16, the reference: each row's super-blocks taken back out of the
 * interleaved groups and dotted exactly as Q4_K (so the two agree bit for
 * bit). Rows outside [row_begin, row_end) of a touched group are skipped. */
void llmbm_matvec_rows_q4_Kx16_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                      size_t row_end)
{
    const size_t nb = w->cols / LLMBM_QK_K;
    const block_q4_Kx16 *groups = w->data;
    const block_q8_K *y = x_act;
    for (size_t row = row_begin; row < row_end; ++row) {
        const block_q4_Kx16 *g = groups + row / LLMBM_X16_ROWS * nb;
        float sumf = 0.0f;
        for (size_t i = 0; i < nb; ++i) {
            block_q4_K b;
            llmbm_q4_k_from_q4_kx16(&b, &g[i], (int)(row % LLMBM_X16_ROWS));
            sumf += q4_K_term(&b, &y[i]);
        }
        out[row] = sumf;
    }
}

float llmbm_vec_dot_q5_K_scalar(const void *w_row, const void *x_act, size_t n)
{
    const block_q5_K *w = w_row;
    const block_q8_K *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        int8_t q[LLMBM_QK_K], scale[16];
        int32_t summ;
        k4_scales_mins(w[i].scales, scale, &summ, y[i].bsums);
        /* as Q4_K, plus bit (2c) / (2c + 1) of qh[k] as the value 16 */
        for (int c = 0; c < 4; ++c)
            for (int k = 0; k < 32; ++k) {
                const uint8_t qs = w[i].qs[32 * c + k], qh = w[i].qh[k];
                q[64 * c + k] = (int8_t)((qs & 0xF) | (((qh >> (2 * c)) & 1) << 4));
                q[64 * c + 32 + k] = (int8_t)((qs >> 4) | (((qh >> (2 * c + 1)) & 1) << 4));
            }
        const int32_t sumi = scaled_group_dot(q, y[i].qs, scale);
        const float dall = llmbm_fp16_to_f32(w[i].d) * y[i].d;
        const float dmin = llmbm_fp16_to_f32(w[i].dmin) * y[i].d;
        sumf += dall * (float)sumi - dmin * (float)summ;
    }
    return sumf;
}

float llmbm_vec_dot_q6_K_scalar(const void *w_row, const void *x_act, size_t n)
{
    const block_q6_K *w = w_row;
    const block_q8_K *y = x_act;
    float sumf = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        int8_t q[LLMBM_QK_K];
        /* element 128h + 32p + k: low nibble from ql[64h + 32(p&1) + k]
         * (high nibble for p >= 2), top 2 bits from bits 2p of qh[32h + k] */
        for (int h = 0; h < 2; ++h)
            for (int p = 0; p < 4; ++p)
                for (int k = 0; k < 32; ++k) {
                    const uint8_t l = w[i].ql[64 * h + 32 * (p & 1) + k];
                    const int low = p < 2 ? (l & 0xF) : (l >> 4);
                    const int hi = (w[i].qh[32 * h + k] >> (2 * p)) & 3;
                    q[128 * h + 32 * p + k] = (int8_t)((low | (hi << 4)) - 32);
                }
        const int32_t sumi = scaled_group_dot(q, y[i].qs, w[i].scales);
        sumf += (llmbm_fp16_to_f32(w[i].d) * y[i].d) * (float)sumi;
    }
    return sumf;
}
