/* PLACEHOLDER until the batched kernels land: one matvec per token. */
#include "matmul.h"

#include "ops.h"

size_t llmbm_matmul_scratch_bytes(const llmbm_weight *w, size_t n_tok) {
    (void)n_tok;
    return llmbm_matvec_scratch_bytes(w);
}

int llmbm_matmul(float *out, size_t out_stride, const llmbm_weight *w, const float *x, size_t x_stride,
                 size_t n_tok, void *scratch) {
    for (size_t t = 0; t < n_tok; t++)
        if (llmbm_matvec(out + t * out_stride, w, x + t * x_stride, scratch)) return -1;
    return 0;
}
