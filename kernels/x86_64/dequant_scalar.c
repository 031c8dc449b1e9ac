/* Reference dequantization of the float and 32-element block types.
 * Arithmetic order matches ggml's dequantize_row_* so results are bit
 * identical (checked against quant-vectors.gguf). */
#include "kernels_scalar.h"
#include "quant_formats.h"

void llmbm_dequantize_row_f32_scalar(const void *src, float *dst, size_t n)
{
    const float *x = src;
    for (size_t i = 0; i < n; ++i) dst[i] = x[i];
}

void llmbm_dequantize_row_f16_scalar(const void *src, float *dst, size_t n)
{
    const llmbm_fp16 *x = src;
    for (size_t i = 0; i < n; ++i) dst[i] = llmbm_fp16_to_f32(x[i]);
}

void llmbm_dequantize_row_bf16_scalar(const void *src, float *dst, size_t n)
{
    const llmbm_bf16 *x = src;
    for (size_t i = 0; i < n; ++i) dst[i] = llmbm_bf16_to_f32(x[i]);
}

void llmbm_dequantize_row_q4_0_scalar(const void *src, float *dst, size_t n)
{
    const block_q4_0 *b = src;
    for (size_t i = 0; i < n / LLMBM_QK4_0; ++i, dst += LLMBM_QK4_0) {
        const float d = llmbm_fp16_to_f32(b[i].d);
        for (int j = 0; j < LLMBM_QK4_0 / 2; ++j) {
            dst[j] = (float)((b[i].qs[j] & 0x0F) - 8) * d;
            dst[j + 16] = (float)((b[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void llmbm_dequantize_row_q4_0p_scalar(const void *src, float *dst, size_t n)
{
    const size_t nb = n / LLMBM_QK4_0;
    const llmbm_fp16 *scales = llmbm_q4_0p_scales(src);
    const uint8_t *qs = llmbm_q4_0p_quants(src, nb);
    for (size_t i = 0; i < nb; ++i, dst += LLMBM_QK4_0, qs += 16) {
        const float d = llmbm_fp16_to_f32(scales[i]);
        for (int j = 0; j < LLMBM_QK4_0 / 2; ++j) {
            dst[j] = (float)((qs[j] & 0x0F) - 8) * d;
            dst[j + 16] = (float)((qs[j] >> 4) - 8) * d;
        }
    }
}

void llmbm_dequantize_row_q4_1_scalar(const void *src, float *dst, size_t n)
{
    const block_q4_1 *b = src;
    for (size_t i = 0; i < n / LLMBM_QK4_1; ++i, dst += LLMBM_QK4_1) {
        const float d = llmbm_fp16_to_f32(b[i].d);
        const float m = llmbm_fp16_to_f32(b[i].m);
        for (int j = 0; j < LLMBM_QK4_1 / 2; ++j) {
            dst[j] = (float)(b[i].qs[j] & 0x0F) * d + m;
            dst[j + 16] = (float)(b[i].qs[j] >> 4) * d + m;
        }
    }
}

/* The 5th bits of elements j and j+16 of a Q5 block, as 0 or 16. */
static inline int q5_high(uint32_t qh, int j) { return (int)((qh >> j) & 1u) << 4; }

void llmbm_dequantize_row_q5_0_scalar(const void *src, float *dst, size_t n)
{
    const block_q5_0 *b = src;
    for (size_t i = 0; i < n / LLMBM_QK5_0; ++i, dst += LLMBM_QK5_0) {
        const float d = llmbm_fp16_to_f32(b[i].d);
        const uint32_t qh = llmbm_load_u32le(b[i].qh);
        for (int j = 0; j < LLMBM_QK5_0 / 2; ++j) {
            dst[j] = (float)(((b[i].qs[j] & 0x0F) | q5_high(qh, j)) - 16) * d;
            dst[j + 16] = (float)(((b[i].qs[j] >> 4) | q5_high(qh, j + 16)) - 16) * d;
        }
    }
}

void llmbm_dequantize_row_q5_1_scalar(const void *src, float *dst, size_t n)
{
    const block_q5_1 *b = src;
    for (size_t i = 0; i < n / LLMBM_QK5_1; ++i, dst += LLMBM_QK5_1) {
        const float d = llmbm_fp16_to_f32(b[i].d);
        const float m = llmbm_fp16_to_f32(b[i].m);
        const uint32_t qh = llmbm_load_u32le(b[i].qh);
        for (int j = 0; j < LLMBM_QK5_1 / 2; ++j) {
            dst[j] = (float)((b[i].qs[j] & 0x0F) | q5_high(qh, j)) * d + m;
            dst[j + 16] = (float)((b[i].qs[j] >> 4) | q5_high(qh, j + 16)) * d + m;
        }
    }
}

void llmbm_dequantize_row_q8_0_scalar(const void *src, float *dst, size_t n)
{
    const block_q8_0 *b = src;
    for (size_t i = 0; i < n / LLMBM_QK8_0; ++i, dst += LLMBM_QK8_0) {
        const float d = llmbm_fp16_to_f32(b[i].d);
        for (int j = 0; j < LLMBM_QK8_0; ++j) dst[j] = (float)b[i].qs[j] * d;
    }
}

void llmbm_dequantize_row_q8_1_scalar(const void *src, float *dst, size_t n)
{
    const block_q8_1 *b = src;
    for (size_t i = 0; i < n / LLMBM_QK8_1; ++i, dst += LLMBM_QK8_1) {
        const float d = llmbm_fp16_to_f32(b[i].d);
        for (int j = 0; j < LLMBM_QK8_1; ++j) dst[j] = (float)b[i].qs[j] * d;
    }
}
