/* The avx512 level's multi-token mat-muls (F/BW/DQ/VL); the code is shared with the
 * other AVX-512 level through the headers, as the one-token kernels are. */
#define LLMBM_AVX512_SUFFIX avx512
#include "vec_dot_avx512_body.h"
#include "vec_dot_avx512_q45_body.h"
#include "vec_dot_avx512_x16.h"
#include "matmul_avx512_x16.h"
#include "matmul_avx512_q8_0.h"
#include "matmul_avx512_rows.h"
#include "matmul_avx512_q45.h"

LLMBM_X16_MATMUL_ENTRY_POINTS(q4_0x16, LLMBM_AVX512_SUFFIX)
LLMBM_X16_MATMUL_ENTRY_POINTS(q4_Kx16, LLMBM_AVX512_SUFFIX)
LLMBM_Q8_0_MATMUL_ENTRY_POINTS(q8_0, LLMBM_AVX512_SUFFIX)
LLMBM_F16_MATMUL_ENTRY_POINTS(f16, LLMBM_AVX512_SUFFIX)
LLMBM_ROW_MATMUL_ENTRY_POINTS(q6_K, LLMBM_AVX512_SUFFIX)
LLMBM_Q45_MATMUL_ENTRY_POINTS(q4_1, LLMBM_AVX512_SUFFIX)
LLMBM_Q45_MATMUL_ENTRY_POINTS(q5_0, LLMBM_AVX512_SUFFIX)
LLMBM_Q45_MATMUL_ENTRY_POINTS(q5_1, LLMBM_AVX512_SUFFIX)
