/* Reference dequantization of the 256-element K-quant super-blocks (and the
 * Q8_K activation format, for tests). Expressions keep ggml's operand order
 * (e.g. (d * scale) * q, then - min) so results are bit identical. */
#include "kernels_scalar.h"
#include "quant_formats.h"

void llmbm_dequantize_row_q2_K_scalar(const void *src, float *dst, size_t n)
{
    const block_q2_K *b = src;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        const float d = llmbm_fp16_to_f32(b[i].d);
        const float dmin = llmbm_fp16_to_f32(b[i].dmin);
        const uint8_t *q = b[i].qs;
        int is = 0;
        /* Each 32-byte slice of qs holds 4 planes of 2 bits: plane p of
         * bytes 0-15 and 16-31 are two 16-element sub-blocks. */
        for (int half = 0; half < 2; ++half, q += 32) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; ++part) {
                    const uint8_t sc = b[i].scales[is++];
                    const float dl = d * (float)(sc & 0xF);
                    const float ml = dmin * (float)(sc >> 4);
                    for (int l = 0; l < 16; ++l) *dst++ = dl * (float)((q[l + 16 * part] >> shift) & 3) - ml;
                }
            }
        }
    }
}

void llmbm_dequantize_row_q3_K_scalar(const void *src, float *dst, size_t n)
{
    const block_q3_K *b = src;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        const float d_all = llmbm_fp16_to_f32(b[i].d);
        int8_t scales[16];
        llmbm_q3k_scales(b[i].scales, scales);
        const uint8_t *q = b[i].qs;
        const uint8_t *hm = b[i].hmask;
        uint8_t m = 1;
        int is = 0;
        for (int half = 0; half < 2; ++half, q += 32) {
            for (int shift = 0; shift < 8; shift += 2, m = (uint8_t)(m << 1)) {
                for (int part = 0; part < 2; ++part) {
                    const float dl = d_all * (float)scales[is++];
                    for (int l = 0; l < 16; ++l) {
                        const int k = l + 16 * part;
                        /* a clear hmask bit means "subtract 4" */
                        const int v = ((q[k] >> shift) & 3) - ((hm[k] & m) ? 0 : 4);
                        *dst++ = dl * (float)v;
                    }
                }
            }
        }
    }
}

void llmbm_dequantize_row_q4_K_scalar(const void *src, float *dst, size_t n)
{
    const block_q4_K *b = src;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        const float d = llmbm_fp16_to_f32(b[i].d);
        const float dmin = llmbm_fp16_to_f32(b[i].dmin);
        const uint8_t *q = b[i].qs;
        for (int is = 0; is < 8; is += 2, q += 32) {
            uint8_t sc, m;
            llmbm_k4_scale_min(is, b[i].scales, &sc, &m);
            const float d1 = d * (float)sc, m1 = dmin * (float)m;
            llmbm_k4_scale_min(is + 1, b[i].scales, &sc, &m);
            const float d2 = d * (float)sc, m2 = dmin * (float)m;
            for (int l = 0; l < 32; ++l) *dst++ = d1 * (float)(q[l] & 0xF) - m1;
            for (int l = 0; l < 32; ++l) *dst++ = d2 * (float)(q[l] >> 4) - m2;
        }
    }
}

void llmbm_dequantize_row_q5_K_scalar(const void *src, float *dst, size_t n)
{
    const block_q5_K *b = src;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        const float d = llmbm_fp16_to_f32(b[i].d);
        const float dmin = llmbm_fp16_to_f32(b[i].dmin);
        const uint8_t *ql = b[i].qs;
        const uint8_t *qh = b[i].qh;
        uint8_t u1 = 1, u2 = 2;
        for (int is = 0; is < 8; is += 2, ql += 32, u1 = (uint8_t)(u1 << 2), u2 = (uint8_t)(u2 << 2)) {
            uint8_t sc, m;
            llmbm_k4_scale_min(is, b[i].scales, &sc, &m);
            const float d1 = d * (float)sc, m1 = dmin * (float)m;
            llmbm_k4_scale_min(is + 1, b[i].scales, &sc, &m);
            const float d2 = d * (float)sc, m2 = dmin * (float)m;
            for (int l = 0; l < 32; ++l) *dst++ = d1 * (float)((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
            for (int l = 0; l < 32; ++l) *dst++ = d2 * (float)((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
        }
    }
}

void llmbm_dequantize_row_q6_K_scalar(const void *src, float *dst, size_t n)
{
    const block_q6_K *b = src;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        const float d = llmbm_fp16_to_f32(b[i].d);
        const uint8_t *ql = b[i].ql;
        const uint8_t *qh = b[i].qh;
        const int8_t *sc = b[i].scales;
        /* 128 elements per pass: ql bytes 0-63 give low nibbles, qh bytes
         * 0-31 the top two bits of four 32-element quarters. */
        for (int half = 0; half < 2; ++half, dst += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                dst[l] = d * (float)sc[is] * (float)q1;
                dst[l + 32] = d * (float)sc[is + 2] * (float)q2;
                dst[l + 64] = d * (float)sc[is + 4] * (float)q3;
                dst[l + 96] = d * (float)sc[is + 6] * (float)q4;
            }
        }
    }
}

void llmbm_dequantize_row_q8_K_scalar(const void *src, float *dst, size_t n)
{
    const block_q8_K *b = src;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i)
        for (int j = 0; j < LLMBM_QK_K; ++j) *dst++ = b[i].d * (float)b[i].qs[j];
}
