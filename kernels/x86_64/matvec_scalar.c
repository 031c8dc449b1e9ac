/* Row-range mat-vec entries of the scalar level: one vec_dot per row. The
 * row range lets the engine split a matrix across cores. */
#include "kernels_scalar.h"
#include "quant_formats.h"

static inline void matvec_rows(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin, size_t row_end,
                               llmbm_vec_dot_fn dot)
{
    const size_t stride = llmbm_row_bytes(w->type, w->cols);
    const uint8_t *base = w->data;
    for (size_t r = row_begin; r < row_end; ++r) out[r] = dot(base + r * stride, x_act, w->cols);
}

#define MATVEC_SCALAR(t)                                                                                               \
    void llmbm_matvec_rows_##t##_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,        \
                                        size_t row_end)                                                                \
    {                                                                                                                  \
        matvec_rows(w, x_act, out, row_begin, row_end, llmbm_vec_dot_##t##_scalar);                                    \
    }

MATVEC_SCALAR(f32)
MATVEC_SCALAR(f16)
MATVEC_SCALAR(bf16)
MATVEC_SCALAR(q4_0)
MATVEC_SCALAR(q4_0p)
MATVEC_SCALAR(q4_1)
MATVEC_SCALAR(q5_0)
MATVEC_SCALAR(q5_1)
MATVEC_SCALAR(q8_0)
MATVEC_SCALAR(q2_K)
MATVEC_SCALAR(q3_K)
MATVEC_SCALAR(q4_K)
MATVEC_SCALAR(q5_K)
MATVEC_SCALAR(q6_K)
