/* Entry points of the sse2 kernel level (files *_sse2.c, compiled with the
 * level's flags: manifest.toml's cflags). */
#pragma once

#include <stddef.h>

#include "kernel_types.h"

#define LLMBM_SSE2_TYPES(X)                                                                                            \
    X(f16) X(bf16) X(q8_0) X(q4_0) X(q4_0p) X(q4_1) X(q5_0) X(q5_1) X(q2_K) X(q3_K) X(q4_K) X(q5_K) X(q6_K)
#define LLMBM_SSE2_DECLARE(t)                                                                                          \
    llmbm_vec_dot_kernel llmbm_vec_dot_##t##_sse2;                                                                     \
    llmbm_matvec_rows_kernel llmbm_matvec_rows_##t##_sse2;
LLMBM_SSE2_TYPES(LLMBM_SSE2_DECLARE)
#undef LLMBM_SSE2_DECLARE

llmbm_quantize_row_kernel llmbm_quantize_row_q8_0_sse2;
llmbm_quantize_row_kernel llmbm_quantize_row_q8_1_sse2;
llmbm_quantize_row_kernel llmbm_quantize_row_q8_K_sse2;
