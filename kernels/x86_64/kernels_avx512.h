/* Entry points of the avx512 kernel level (files *_avx512.c, compiled with the
 * level's flags: manifest.toml's cflags). Its row kernels are the AVX-512
 * bodies' (avx512_entry_points.h); attention and eltwise are
 * kernels_attention*.h's and kernels_eltwise.h's. */
#pragma once

#include "avx512_entry_points.h"

LLMBM_AVX512_ROW_KERNELS(LLMBM_AVX512_DECLARE_ROW_KERNEL, avx512)
