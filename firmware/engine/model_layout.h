/* Which in-memory layout each matrix of a model gets for a kernel level,
 * and rewriting a loaded model's matrices into those layouts in place (at
 * load, and again whenever the level changes afterwards). */
#pragma once

#include "model.h"

struct llmbm_kernel_table;

/* The layout a matrix of `rows` rows stored as `file_type` gets at the level
 * of `k`, when a mat-vec alone reads it (not the token embedding, which is
 * read a row at a time and is Q4_0P whenever it is Q4_0, at every level):
 *   Q4_0 -> Q4_0x16 if rows fill whole 16-row groups and `k` has a SIMD
 *           kernel for it, else Q4_0P (every level has kernels for it);
 *   Q4_K -> Q4_Kx16 on the same condition, else Q4_K;
 *   F32  -> F32x16 on the same condition, else F32 (an F32 classifier that
 *           shares the embedding's bytes follows too: llmbm_model_relayout);
 *   anything else stays as it is.
 * The reference (scalar) kernels of the interleaved layouts are slower than
 * those of the plain types, hence "a SIMD kernel". */
llmbm_type llmbm_matrix_layout(const struct llmbm_kernel_table *k, llmbm_type file_type, uint32_t rows);

/* Calls fn for every matrix that only a mat-vec reads: the seven of each
 * layer and the classifier when it is not the token embedding's bytes. */
typedef void (*llmbm_matrix_fn)(void *ctx, llmbm_weight *w);
void llmbm_model_for_each_matvec(llmbm_model *m, llmbm_matrix_fn fn, void *ctx);

/* Rewrites the model's mat-vec matrices in place into llmbm_matrix_layout()
 * for the kernel level in use now (llmbm_isa_table), going back through the
 * file type where a matrix is in another level's layout. A matrix for whose
 * scratch copy there is no memory stays as it is: every level computes every
 * layout, only slower. Returns how many matrices were rewritten. */
unsigned llmbm_model_relayout(llmbm_model *m);
