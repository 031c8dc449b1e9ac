/* The avx512 level's row dots and mat-vecs (F/BW/DQ/VL: integer dots by vpmaddubsw + vpmaddwd);
 * the code is vec_dot_avx512_body.h, shared with the other AVX-512 level. */
#define LLMBM_AVX512_SUFFIX _avx512
#include "kernels_avx512.h"
#include "vec_dot_avx512_body.h"

AVX512_KERNELS(f32)
AVX512_KERNELS(f16)
AVX512_ROW_KERNELS(q8_0)
AVX512_ROW_KERNELS(q4_0)
AVX512_ROW_KERNELS(q4_K)
AVX512_KERNELS(q6_K)
