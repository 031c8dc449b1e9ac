/* The avx512 level's row dots and mat-vecs (F/BW/DQ/VL: integer dots by vpmaddubsw + vpmaddwd);
 * the code is vec_dot_avx512_body.h, shared with the other AVX-512 level. */
#define LLMBM_AVX512_SUFFIX avx512
#include "kernels_avx512.h"
#include "vec_dot_avx512_body.h"

LLMBM_DOT_ENTRY_POINTS(f32, LLMBM_AVX512_SUFFIX)
LLMBM_DOT_ENTRY_POINTS(f16, LLMBM_AVX512_SUFFIX)
LLMBM_ROWS_ENTRY_POINTS(q8_0, LLMBM_AVX512_SUFFIX)
LLMBM_ROWS_ENTRY_POINTS(q4_0, LLMBM_AVX512_SUFFIX)
LLMBM_ROWS_ENTRY_POINTS(q4_K, LLMBM_AVX512_SUFFIX)
LLMBM_DOT_ENTRY_POINTS(q6_K, LLMBM_AVX512_SUFFIX)
