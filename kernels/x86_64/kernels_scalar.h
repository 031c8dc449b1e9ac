/* Direct entry points of the scalar (reference) kernel level. The engine
 * reaches kernels through the dispatch table (kernel_dispatch.h); tests and
 * the ctypes harness call these by name. */
#pragma once

#include <stddef.h>

#include "kernel_types.h"

void llmbm_dequantize_row_f32_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_f16_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_bf16_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q4_0_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q4_0p_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q4_1_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q5_0_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q5_1_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q8_0_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q8_1_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q2_K_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q3_K_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q4_K_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q5_K_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q6_K_scalar(const void *src, float *dst, size_t n);
void llmbm_dequantize_row_q8_K_scalar(const void *src, float *dst, size_t n);

void llmbm_quantize_row_q8_0_scalar(const float *x, void *dst, size_t n);
void llmbm_quantize_row_q8_1_scalar(const float *x, void *dst, size_t n);
void llmbm_quantize_row_q8_K_scalar(const float *x, void *dst, size_t n);

float llmbm_vec_dot_f32_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_f16_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_bf16_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q4_0_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q4_0p_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q4_1_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q5_0_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q5_1_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q8_0_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q2_K_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q3_K_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q4_K_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q5_K_scalar(const void *w_row, const void *x_act, size_t n);
float llmbm_vec_dot_q6_K_scalar(const void *w_row, const void *x_act, size_t n);

void llmbm_matvec_rows_f32_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                  size_t row_end);
void llmbm_matvec_rows_f16_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                  size_t row_end);
void llmbm_matvec_rows_bf16_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
void llmbm_matvec_rows_q4_0_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
void llmbm_matvec_rows_q4_0p_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                    size_t row_end);
void llmbm_matvec_rows_q4_1_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
void llmbm_matvec_rows_q5_0_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
void llmbm_matvec_rows_q5_1_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
void llmbm_matvec_rows_q8_0_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
void llmbm_matvec_rows_q2_K_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
void llmbm_matvec_rows_q3_K_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
void llmbm_matvec_rows_q4_0x16_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                      size_t row_end);
void llmbm_matvec_rows_q4_Kx16_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                      size_t row_end);
void llmbm_matvec_rows_q4_K_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
void llmbm_matvec_rows_q5_K_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
void llmbm_matvec_rows_q6_K_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end);
