/* The two public entry points each level defines per weight type — vec_dot
 * (one row) and matvec_rows (a row range, so the engine can split a matrix
 * across cores) — written once, around the level's own row dot:
 *
 *   LLMBM_DOT_ENTRY_POINTS(t, level)   from  float dot_<t>(row, x, n)
 *   LLMBM_ROWS_ENTRY_POINTS(t, level)  from  void rows_<t>(row, stride, x, n,
 *                                             out, count), ROWS_MAX rows at a
 *                                             time, then the tail one by one
 *
 * `level` may itself be a macro (the AVX-512 body is compiled twice). A file
 * may define LLMBM_PREFETCH_ROW(next_row, stride) before including this to
 * prefetch ahead in the one-row loop. */
#pragma once

#include "kernel_types.h"
#include "quant_formats.h"

#ifndef LLMBM_PREFETCH_ROW
#define LLMBM_PREFETCH_ROW(next_row, stride) ((void)0)
#endif

#define LLMBM_DOT_ENTRY_POINTS(t, level)                                                                               \
    float LLMBM_KSYM(vec_dot, t, level)(const void *w_row, const void *x_act, size_t n)                                \
    {                                                                                                                  \
        return dot_##t(w_row, x_act, n);                                                                               \
    }                                                                                                                  \
    void LLMBM_KSYM(matvec_rows, t, level)(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,     \
                                           size_t row_end)                                                             \
    {                                                                                                                  \
        const size_t stride = llmbm_row_bytes(w->type, w->cols);                                                       \
        const uint8_t *row = (const uint8_t *)w->data + row_begin * stride;                                            \
        for (size_t r = row_begin; r < row_end; ++r, row += stride) {                                                  \
            LLMBM_PREFETCH_ROW(row + 4 * stride, stride);                                                              \
            out[r] = dot_##t(row, x_act, w->cols);                                                                     \
        }                                                                                                              \
    }

#define LLMBM_ROWS_ENTRY_POINTS(t, level)                                                                              \
    float LLMBM_KSYM(vec_dot, t, level)(const void *w_row, const void *x_act, size_t n)                                \
    {                                                                                                                  \
        float out;                                                                                                     \
        rows_##t(w_row, 0, x_act, n, &out, 1);                                                                         \
        return out;                                                                                                    \
    }                                                                                                                  \
    void LLMBM_KSYM(matvec_rows, t, level)(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,     \
                                           size_t row_end)                                                             \
    {                                                                                                                  \
        const size_t stride = llmbm_row_bytes(w->type, w->cols);                                                       \
        const uint8_t *row = (const uint8_t *)w->data + row_begin * stride;                                            \
        size_t r = row_begin;                                                                                          \
        for (; r + ROWS_MAX <= row_end; r += ROWS_MAX, row += ROWS_MAX * stride)                                       \
            rows_##t(row, stride, x_act, w->cols, out + r, ROWS_MAX);                                                  \
        for (; r < row_end; ++r, row += stride) rows_##t(row, 0, x_act, w->cols, out + r, 1);                          \
    }
