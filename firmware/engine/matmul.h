/* Matrix products over a batch of tokens (see matmul.c). */
#pragma once

#include <stddef.h>

#include "kernels.h"

/* Bytes of 64-byte-aligned scratch llmbm_matmul needs for n_tok activations of w->cols elements. */
size_t llmbm_matmul_scratch_bytes(const llmbm_weight *w, size_t n_tok);
/* out[t * out_stride + r] = row r of w . (x + t * x_stride) for every row r and t < n_tok: for each token the
 * very bits llmbm_matvec gives for that token at the same ISA level. Returns 0, or -1 for a type with no kernel. */
int llmbm_matmul(float *out, size_t out_stride, const llmbm_weight *w, const float *x, size_t x_stride,
                 size_t n_tok, void *scratch);
