/* Fills an llmbm_model from a parsed GGUF file (architectures llama and
 * qwen2). Used by model.c; the weights point into `data`. */
#pragma once

#include "gguf.h"
#include "model.h"

/* `data` is byte 0 of g's tensor data section, kept alive by the caller (the
 * model owns it afterwards). On success a Q4_0 token embedding in it has
 * been rewritten in place as Q4_0P; the other matrices keep their file
 * types until llmbm_model_relayout; on failure it is unchanged. Allocates m->layers and m->aux; on failure the
 * caller frees them with the model (llmbm_model_free is safe on a partial
 * model whose file_data is NULL). `name` is used in messages. */
int llmbm_gguf_model_build(llmbm_model *m, const gguf_file *g, void *data, const char *name, llmbm_err *err);
