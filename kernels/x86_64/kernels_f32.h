/* Entry points of the exact F32 mat-vecs (matvec_f32_<level>.c): every level
 * returns the scalar level's bits, llmbm_vec_dot_f32_scalar's sequential sum
 * per row (llama2.c run.c's order). The engine reaches them through the
 * dispatch table (op matvec_rows, slot LLMBM_F32); vec_dot f32 stays the
 * scalar one at every level, since one row's sum cannot be split over lanes
 * without rounding differently. F32x16 (the 16-row interleaved layout of
 * quant_formats.h the loader makes when rows allow) gives the same floats
 * as F32 from contiguous loads. */
#pragma once

#include <stddef.h>

#include "kernel_types.h"

#define LLMBM_F32_MATVEC_LEVELS(X) X(sse2) X(avx2) X(avx512)
#define LLMBM_F32_MATVEC_DECLARE(level)                                                                                \
    llmbm_matvec_rows_kernel llmbm_matvec_rows_f32_##level;                                                            \
    llmbm_matvec_rows_kernel llmbm_matvec_rows_f32x16_##level;
LLMBM_F32_MATVEC_LEVELS(LLMBM_F32_MATVEC_DECLARE)
#undef LLMBM_F32_MATVEC_DECLARE

/* the scalar level's entries: matvec_scalar.c (where every level's leftover
 * rows end) and matvec_f32x16_scalar.c (the interleaved layout) */
llmbm_matvec_rows_kernel llmbm_matvec_rows_f32_scalar;
llmbm_matvec_rows_kernel llmbm_matvec_rows_f32x16_scalar;
