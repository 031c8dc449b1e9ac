/* Entry points of the avx512vnni kernel level (files *_avx512vnni.c, compiled with the
 * level's flags from kernel_isa_levels in meson.build). */
#pragma once

#include <stddef.h>

#include "kernel_types.h"

#define LLMBM_AVX512VNNI_TYPES(X) X(f16) X(bf16) X(q8_0) X(q4_0) X(q4_0p) X(q4_1) X(q5_0) X(q5_1) \
    X(q2_K) X(q3_K) X(q4_K) X(q5_K) X(q6_K)
#define LLMBM_AVX512VNNI_DECLARE(t) llmbm_vec_dot_kernel llmbm_vec_dot_##t##_avx512vnni; \
    llmbm_matvec_rows_kernel llmbm_matvec_rows_##t##_avx512vnni;
LLMBM_AVX512VNNI_TYPES(LLMBM_AVX512VNNI_DECLARE)
#undef LLMBM_AVX512VNNI_DECLARE
llmbm_matvec_rows_kernel llmbm_matvec_rows_q4_Kx16_avx512vnni;
llmbm_matvec_rows_kernel llmbm_matvec_rows_q4_0x16_avx512vnni;
