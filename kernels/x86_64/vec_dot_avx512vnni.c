/* The avx512vnni level's row dots and mat-vecs (with VNNI: integer dots by vpdpbusd);
 * the code is vec_dot_avx512_body.h, shared with the other AVX-512 level. */
#define LLMBM_AVX512_VNNI 1
#define LLMBM_AVX512_SUFFIX avx512vnni
#include "kernels_avx512vnni.h"
#include "vec_dot_avx512_body.h"

LLMBM_DOT_ENTRY_POINTS(f32, LLMBM_AVX512_SUFFIX)
LLMBM_DOT_ENTRY_POINTS(f16, LLMBM_AVX512_SUFFIX)
LLMBM_ROWS_ENTRY_POINTS(q8_0, LLMBM_AVX512_SUFFIX)
LLMBM_ROWS_ENTRY_POINTS(q4_0, LLMBM_AVX512_SUFFIX)
LLMBM_ROWS_ENTRY_POINTS(q4_K, LLMBM_AVX512_SUFFIX)
LLMBM_DOT_ENTRY_POINTS(q6_K, LLMBM_AVX512_SUFFIX)
