/* One AVX-512 level's multi-token mat-muls: the bodies, then the entry
 * points of avx512_entry_points.h's list. Included once by each AVX-512
 * level's matmul_<level>.c, after it defines LLMBM_AVX512_SUFFIX (and
 * LLMBM_AVX512_VNNI for vpdpbusd). */
#pragma once

#include "avx512_entry_points.h"
#include "vec_dot_avx512_body.h"
#include "vec_dot_avx512_q45_body.h"
#include "vec_dot_avx512_x16.h"
#include "matmul_avx512_x16.h"
#include "matmul_avx512_q8_0.h"
#include "matmul_avx512_rows.h"
#include "matmul_avx512_q45.h"

#define LLMBM_AVX512_DEFINE_MATMUL_KERNEL(kind, t, level) LLMBM_##kind##_MATMUL_ENTRY_POINTS(t, level)
LLMBM_AVX512_MATMUL_KERNELS(LLMBM_AVX512_DEFINE_MATMUL_KERNEL, LLMBM_AVX512_SUFFIX)
