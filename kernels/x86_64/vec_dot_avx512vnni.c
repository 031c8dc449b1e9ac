/* The avx512vnni level's row dots and mat-vecs (with VNNI: integer dots by
 * vpdpbusd); the code and the list of entry points are shared with the other
 * AVX-512 level (vec_dot_avx512_level.h). */
#define LLMBM_AVX512_VNNI   1
#define LLMBM_AVX512_SUFFIX avx512vnni
#include "kernels_avx512vnni.h"
#include "vec_dot_avx512_level.h"
