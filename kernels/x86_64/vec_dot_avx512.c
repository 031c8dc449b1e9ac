/* The avx512 level's row dots and mat-vecs (F/BW/DQ/VL: integer dots by
 * vpmaddubsw + vpmaddwd); the code and the list of entry points are shared
 * with the other AVX-512 level (vec_dot_avx512_level.h). */
#define LLMBM_AVX512_SUFFIX avx512
#include "kernels_avx512.h"
#include "vec_dot_avx512_level.h"
