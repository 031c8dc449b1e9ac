/* The matmul_rows kernels (kernel_types.h) of every level, declared from the
 * op's function type. */
#pragma once

#include "avx512_entry_points.h"
#include "kernel_types.h"

LLMBM_AVX512_MATMUL_KERNELS(LLMBM_AVX512_DECLARE_MATMUL_KERNEL, avx512)
LLMBM_AVX512_MATMUL_KERNELS(LLMBM_AVX512_DECLARE_MATMUL_KERNEL, avx512vnni)
llmbm_matmul_rows_kernel llmbm_matmul_rows_q4_0x16_avx2, llmbm_matmul_rows_q4_Kx16_avx2;
llmbm_matmul_rows_kernel llmbm_matmul_rows_q8_0_avx2, llmbm_matmul_rows_q4_0_avx2, llmbm_matmul_rows_q4_1_avx2,
    llmbm_matmul_rows_q5_0_avx2, llmbm_matmul_rows_q5_1_avx2, llmbm_matmul_rows_q6_K_avx2, llmbm_matmul_rows_f16_avx2;
