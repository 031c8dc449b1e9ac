/* Entry points of the attention kernels over F16 and Q8_0 KV caches and of
 * kv_store, which writes one f32 head-row into a cache
 * (attention_kv_<level>.c); the engine reaches them through the dispatch
 * table (ops attn_scores, attn_accum, kv_store; slots LLMBM_F16 and
 * LLMBM_Q8_0, kv_store also LLMBM_F32). kernel_types.h defines what each
 * computes. */
#pragma once

#include <stddef.h>

#include "kernel_types.h"

#define LLMBM_ATTENTION_KV_LEVELS(X) X(scalar) X(sse2) X(avx2) X(avx512)
#define LLMBM_ATTENTION_KV_DECLARE(level)                                                                              \
    llmbm_attn_scores_kernel llmbm_attn_scores_f16_##level, llmbm_attn_scores_q8_0_##level;                            \
    llmbm_attn_accum_kernel llmbm_attn_accum_f16_##level, llmbm_attn_accum_q8_0_##level;
LLMBM_ATTENTION_KV_LEVELS(LLMBM_ATTENTION_KV_DECLARE)
#undef LLMBM_ATTENTION_KV_DECLARE

llmbm_kv_store_kernel llmbm_kv_store_f32_scalar, llmbm_kv_store_f16_scalar, llmbm_kv_store_f16_avx2,
    llmbm_kv_store_f16_avx512;

/* Timesteps whose keys a SIMD level converts to f32 at once, on the stack,
 * before its f32 score kernel runs over them (attention_kv_<level>.c). */
#define LLMBM_KV_SCORE_BUF_FLOATS 2048
