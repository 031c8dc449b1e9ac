/* Entry points of the attention kernels (attention_<level>.c), for the
 * kernel files themselves and the tests; the engine reaches them through the
 * dispatch table (ops attn_scores / attn_accum, slot LLMBM_F32). */
#pragma once

#include <stddef.h>

#include "kernel_types.h"

#define LLMBM_ATTENTION_LEVELS(X) X(scalar) X(sse2) X(avx2) X(avx512)
#define LLMBM_ATTENTION_DECLARE(level)                                                                                 \
    llmbm_attn_scores_kernel llmbm_attn_scores_f32_##level;                                                            \
    llmbm_attn_accum_kernel llmbm_attn_accum_f32_##level;
LLMBM_ATTENTION_LEVELS(LLMBM_ATTENTION_DECLARE)
#undef LLMBM_ATTENTION_DECLARE
