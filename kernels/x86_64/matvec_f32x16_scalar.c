/* The reference F32x16 mat-vec: each of a group's 16 rows summed exactly as
 * llmbm_vec_dot_f32_scalar sums the plain row (sum = 0.0f, sum += w[j] * x[j]
 * for j from 0), reading the interleaved layout of quant_formats.h. So a
 * matrix gives the same floats in either layout, at every level. */
#include "kernels_f32.h"
#include "quant_formats.h"

void llmbm_matvec_rows_f32x16_scalar(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                     size_t row_end)
{
    const size_t n = w->cols;
    const float *x = x_act, *data = w->data;
    for (size_t r = row_begin; r + LLMBM_X16_ROWS <= row_end; r += LLMBM_X16_ROWS) {
        const float *g = data + r * n;
        float acc[LLMBM_X16_ROWS] = {0};
        for (size_t j = 0; j < n; ++j)
            for (size_t k = 0; k < LLMBM_X16_ROWS; ++k) acc[k] += g[j * LLMBM_X16_ROWS + k] * x[j];
        for (size_t k = 0; k < LLMBM_X16_ROWS; ++k) out[r + k] = acc[k];
    }
}
