/* The avx512vnni level's multi-token mat-muls (with VNNI); the code and the
 * list of entry points are shared with the other AVX-512 level
 * (matmul_avx512_level.h), as the one-token kernels are. */
#define LLMBM_AVX512_VNNI   1
#define LLMBM_AVX512_SUFFIX avx512vnni
#include "matmul_avx512_level.h"
