/* The one header the engine includes for matrix kernels: type facts
 * (quant_formats.h), the generated per-ISA tables (kernel_dispatch.h) and the
 * activation and layout helpers below.
 *
 * Start-up:   llmbm_cpu_features cpu; llmbm_cpu_features_detect(&cpu);
 *             const llmbm_kernel_table *k = llmbm_kernels_select(
 *                 forced >= 0 ? forced : llmbm_kernels_best_level(&cpu));
 * Per matvec: const void *xa = llmbm_kernels_prepare_act(k, w->type, x, buf, w->cols);
 *             llmbm_kernel_matvec_rows(k, w->type)(w, xa, out, begin, end);
 * (quantize x once, then split the rows across threads.) */
#pragma once

#include "kernel_dispatch.h"
#include "quant_formats.h"

/* The activation a `weight_type` matvec takes: `x` itself for F32/F16/BF16
 * weights, otherwise `buf` holding x quantized to the type's vec_dot type
 * (buf: llmbm_act_bytes(weight_type, n) bytes, 4-byte aligned). NULL when the
 * type is unknown or has no quantizer in `k`. */
const void *llmbm_kernels_prepare_act(const llmbm_kernel_table *k, llmbm_type weight_type, const float *x, void *buf,
                                      size_t n);

/* The layout a matrix of `rows` rows stored as `file_type` gets at the level
 * of `k`, when a mat-vec alone reads it (not the token embedding, which is
 * read a row at a time: llmbm_row_layout): an interleaved layout of the type
 * if the rows fill whole groups of it and a level above the reference one
 * computes it (the reference kernels of the interleaved layouts are slower
 * than those of the plain types), else a layout of single rows the level
 * computes, else the type itself. Today: Q4_0 -> Q4_0x16 or Q4_0P, Q4_K ->
 * Q4_Kx16 or Q4_K, F32 -> F32x16 or F32; anything else stays as it is. */
llmbm_type llmbm_kernels_matrix_layout(const llmbm_kernel_table *k, llmbm_type file_type, uint32_t rows);
