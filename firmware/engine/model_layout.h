/* Rewriting a loaded model's matrices in place into the layouts the kernel
 * level wants (llmbm_kernels_matrix_layout, kernels_api.h): at load, and
 * again whenever the level changes afterwards. */
#pragma once

#include "model.h"

/* Calls fn for every matrix that only a mat-vec reads: the seven of each
 * layer and the classifier when it is not the token embedding's bytes. */
typedef void (*llmbm_matrix_fn)(void *ctx, llmbm_weight *w);
void llmbm_model_for_each_matvec(llmbm_model *m, llmbm_matrix_fn fn, void *ctx);

/* Rewrites the model's mat-vec matrices in place into
 * llmbm_kernels_matrix_layout() for the kernel level in use now
 * (llmbm_isa_table; an F32 classifier that shares the embedding's bytes
 * follows the embedding into F32x16), going back through the
 * file type where a matrix is in another level's layout. A matrix for whose
 * scratch copy there is no memory stays as it is: every level computes every
 * layout, only slower. Returns how many matrices were rewritten. */
unsigned llmbm_model_relayout(llmbm_model *m);
