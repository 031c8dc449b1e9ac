/* The avx512vnni level's row dots and mat-vecs (with VNNI: integer dots by vpdpbusd);
 * the code is vec_dot_avx512_body.h, shared with the other AVX-512 level. */
#define LLMBM_AVX512_VNNI 1
#define LLMBM_AVX512_SUFFIX _avx512vnni
#include "kernels_avx512vnni.h"
#include "vec_dot_avx512_body.h"

AVX512_KERNELS(f32)
AVX512_KERNELS(f16)
AVX512_ROW_KERNELS(q8_0)
AVX512_ROW_KERNELS(q4_0)
AVX512_ROW_KERNELS(q4_K)
AVX512_KERNELS(q6_K)
