/* One model load: a model file and the tokenizer that goes with it, opened
 * once. The file's format (GGUF, or a llama2.c checkpoint) is decided once,
 * from its first bytes; a GGUF header is parsed once and serves both the
 * model build and the tokenizer (which takes the parsed header over); the
 * memory budget is asked before the big allocation; progress is reported
 * through one callback. The REPL's loader (repl/loader.c) and every `llmbm`
 * command (host/cli_common.c) load through here.
 *
 * Not here: which tokenizer.bin a llama2.c model gets (the REPL's tokenizer=,
 * the root, the one built into the firmware; llmbm's -z) and choosing the
 * kernel level (model_prepare.h), which the callers do after a load. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gguf.h"
#include "model.h"
#include "platform.h"
#include "tokenizer.h"

typedef enum llmbm_load_phase {
    LLMBM_LOAD_READING,   /* the format is known and the budget agreed: reading starts (done 0) */
    LLMBM_LOAD_WEIGHTS,   /* after each block of the weights read (done = bytes of the file read) */
    LLMBM_LOAD_READ,      /* every byte is in memory (done == total); parsing follows */
    LLMBM_LOAD_TOKENIZER, /* the model is built; a GGUF's tokenizer is built next (done == total) */
} llmbm_load_phase;

typedef struct llmbm_load_progress {
    llmbm_load_phase phase;
    llmbm_format format;  /* LLMBM_FORMAT_GGUF, or a llama2.c one (the exact version is known after parsing) */
    uint64_t done, total; /* bytes of the file */
} llmbm_load_progress;

typedef void (*llmbm_load_progress_fn)(void *ctx, const llmbm_load_progress *p);

/* The memory budget, asked with the file's size before anything large is
 * allocated. False refuses the load: the callback has said why, and the
 * load fails with an empty err->msg. */
typedef bool (*llmbm_load_admit_fn)(void *ctx, const char *name, uint64_t file_size);

typedef enum llmbm_load_tokenizer {
    LLMBM_TOKENIZER_NONE = 0, /* the model alone */
    LLMBM_TOKENIZER_REQUIRED, /* a GGUF's own vocabulary; the load fails without it */
    LLMBM_TOKENIZER_OPTIONAL, /* a GGUF's own, if it has a usable one (why not: tokenizer_error) */
} llmbm_load_tokenizer;

typedef struct llmbm_load_opts {
    llmbm_load_tokenizer tokenizer; /* GGUF only: a llama2.c model has none inside */
    /* GGUF: no model at all, only the header and the tokenizer (the tensor
     * data is not read): `llmbm tokenize`. A llama2.c file still loads its
     * model, whose vocabulary size the tokenizer.bin must match. */
    bool vocabulary_only;
    /* A GGUF without tensors (llama.cpp's vocabulary files) loads as a
     * tokenizer instead of being refused as "not a model". */
    bool allow_no_tensors;
    llmbm_load_progress_fn progress;
    llmbm_load_admit_fn admit;
    void *ctx; /* for both callbacks */
} llmbm_load_opts;

typedef struct llmbm_bundle {
    bool has_model, has_tokenizer;
    llmbm_model model;   /* when has_model */
    llmbm_tokenizer tok; /* when has_tokenizer */
    /* LLMBM_TOKENIZER_OPTIONAL: why a GGUF gave no tokenizer ("" if it did). */
    char tokenizer_error[256];
    /* A GGUF with neither model nor tokenizer (allow_no_tensors and an
     * unusable vocabulary) keeps its parsed header here for describing. */
    bool has_header;
    gguf_file header;
} llmbm_bundle;

/* Loads the file at `path`. On failure nothing is kept (*b is empty) and
 * err says why, naming the file. */
int llmbm_bundle_load(llmbm_bundle *b, const char *path, const llmbm_load_opts *o, llmbm_err *err);

/* The same over a file the caller has opened (`size` bytes; it stays the
 * caller's to close), so that finding a file and loading it is one open. */
int llmbm_bundle_load_open(llmbm_bundle *b, plat_file *f, uint64_t size, const char *name, const llmbm_load_opts *o,
                           llmbm_err *err);

/* The GGUF header of a loaded bundle (the tokenizer's, or `header`), or
 * NULL when it kept none (llama2.c files, or a GGUF model without a
 * tokenizer). */
const gguf_file *llmbm_bundle_gguf_header(const llmbm_bundle *b);

/* Frees what *b holds. */
void llmbm_bundle_free(llmbm_bundle *b);
