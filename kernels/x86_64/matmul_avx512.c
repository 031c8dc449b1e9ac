/* The avx512 level's multi-token mat-muls (F/BW/DQ/VL); the code and the list
 * of entry points are shared with the other AVX-512 level
 * (matmul_avx512_level.h), as the one-token kernels are. */
#define LLMBM_AVX512_SUFFIX avx512
#include "matmul_avx512_level.h"
