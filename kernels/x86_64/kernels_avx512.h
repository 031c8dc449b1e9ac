/* Entry points of the avx512 kernel level (files *_avx512.c, compiled with the
 * level's flags from kernel_isa_levels in meson.build). */
#pragma once

#include <stddef.h>

#include "kernel_types.h"

#define LLMBM_AVX512_TYPES(X) X(f16) X(bf16) X(q8_0) X(q4_0) X(q4_0p) X(q4_1) X(q5_0) X(q5_1) \
    X(q2_K) X(q3_K) X(q4_K) X(q5_K) X(q6_K)
#define LLMBM_AVX512_DECLARE(t) llmbm_vec_dot_kernel llmbm_vec_dot_##t##_avx512; \
    llmbm_matvec_rows_kernel llmbm_matvec_rows_##t##_avx512;
LLMBM_AVX512_TYPES(LLMBM_AVX512_DECLARE)
#undef LLMBM_AVX512_DECLARE
llmbm_matvec_rows_kernel llmbm_matvec_rows_q4_Kx16_avx512;
llmbm_matvec_rows_kernel llmbm_matvec_rows_q4_0x16_avx512;
