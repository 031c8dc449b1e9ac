/* The matmul_rows kernels (kernel_types.h) of every level, declared from the
 * op's function type. */
#pragma once

#include "kernel_types.h"

llmbm_matmul_rows_kernel llmbm_matmul_rows_q4_0x16_avx512, llmbm_matmul_rows_q4_Kx16_avx512, llmbm_matmul_rows_q8_0_avx512;
llmbm_matmul_rows_kernel llmbm_matmul_rows_f16_avx512, llmbm_matmul_rows_q6_K_avx512;
llmbm_matmul_rows_kernel llmbm_matmul_rows_q4_0x16_avx512vnni, llmbm_matmul_rows_q4_Kx16_avx512vnni,
    llmbm_matmul_rows_q8_0_avx512vnni, llmbm_matmul_rows_f16_avx512vnni, llmbm_matmul_rows_q6_K_avx512vnni;
llmbm_matmul_rows_kernel llmbm_matmul_rows_q4_0x16_avx2, llmbm_matmul_rows_q4_Kx16_avx2;
