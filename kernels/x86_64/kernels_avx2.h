/* Entry points of the AVX2+FMA+F16C level (files *_avx2.c, compiled with the
 * level's cflags in manifest.toml). Reached through the dispatch table, which only
 * selects them when CPUID and XCR0 allow. */
#pragma once

#include <stddef.h>

#include "kernel_types.h"

#define LLMBM_AVX2_TYPES(X)                                                                                            \
    X(f16) X(bf16) X(q8_0) X(q4_0) X(q4_0p) X(q4_1) X(q5_0) X(q5_1) X(q2_K) X(q3_K) X(q4_K) X(q5_K) X(q6_K)
#define LLMBM_AVX2_DECLARE(t)                                                                                          \
    llmbm_vec_dot_kernel llmbm_vec_dot_##t##_avx2;                                                                     \
    llmbm_matvec_rows_kernel llmbm_matvec_rows_##t##_avx2;
LLMBM_AVX2_TYPES(LLMBM_AVX2_DECLARE)
#undef LLMBM_AVX2_DECLARE

llmbm_quantize_row_kernel llmbm_quantize_row_q8_0_avx2;
llmbm_quantize_row_kernel llmbm_quantize_row_q8_1_avx2;
llmbm_quantize_row_kernel llmbm_quantize_row_q8_K_avx2;
llmbm_matvec_rows_kernel llmbm_matvec_rows_q4_Kx16_avx2;
llmbm_matvec_rows_kernel llmbm_matvec_rows_q4_0x16_avx2;
