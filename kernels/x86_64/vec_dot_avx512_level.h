/* One AVX-512 level's row dots and mat-vecs: the bodies, then the entry
 * points of avx512_entry_points.h's list. Included once by each AVX-512
 * level's vec_dot_<level>.c, after it defines LLMBM_AVX512_SUFFIX (and
 * LLMBM_AVX512_VNNI for vpdpbusd) and includes its kernels_<level>.h. */
#pragma once

#include "avx512_entry_points.h"
#include "vec_dot_avx512_body.h"
#include "vec_dot_avx512_q45_body.h"
#include "vec_dot_avx512_k_body.h"
#include "vec_dot_avx512_x16.h"

#define LLMBM_AVX512_DEFINE_ROW_KERNEL(kind, t, level) LLMBM_##kind##_ENTRY_POINTS(t, level)
LLMBM_AVX512_ROW_KERNELS(LLMBM_AVX512_DEFINE_ROW_KERNEL, LLMBM_AVX512_SUFFIX)
