/* Batched matrix products for prompt processing: the same matrix applied to
 * many tokens' activations, with every (row, token) result bit-identical to
 * what llmbm_matvec gives for that token at the same ISA level, so a batched
 * feed and a token-at-a-time feed compute the very same logits. */
#pragma once

#include <stddef.h>

#include "kernels.h"

/* Bytes of 64-byte-aligned scratch llmbm_matmul needs for n_tok activations of w->cols elements. */
size_t llmbm_matmul_scratch_bytes(const llmbm_weight *w, size_t n_tok);

/* out[t * out_stride + r] = row r of w . (x + t * x_stride) for every row r and t < n_tok: for each token the
 * very bits llmbm_matvec gives for that token at the same ISA level (activations quantized per token exactly as
 * the one-token path does; each (row, token) sums its blocks in the same order). Weights stream from memory once
 * per batch; the work is split over plat_parallel_for. Returns 0, or -1 for a type with no kernel. n_tok >= 1. */
int llmbm_matmul(float *out, size_t out_stride, const llmbm_weight *w, const float *x, size_t x_stride, size_t n_tok,
                 void *scratch);

/* The bytes of weights one share of llmbm_matmul keeps in cache while it runs every token over them (default
 * 256 KiB, a quarter of this project's hosts' L2). Tests shrink it to make small matrices split into many
 * blocks, with a partial one at the end; 0 restores the default. Not thread-safe: set it between calls. */
void llmbm_matmul_set_block_bytes(size_t bytes);
