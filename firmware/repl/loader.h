/* Getting a model off the boot volume and into memory (loader.c): path
 * lookup, the memory budget and the progress bar around the engine's bundle
 * loader (model_bundle.h), a llama2.c model's tokenizer, and the
 * transformer's run state. */
#pragma once

#include "model.h"
#include "eng_session.h"
#include "session.h"
#include "tokenizer.h"
#include "transformer.h"

/* Where a load's time went, for the ready-time line: reading (and parsing)
 * the file, preparing it (measuring the kernel levels, laying matrices
 * out), the tokenizer, and the run state (KV cache: zero-filled memory). */
typedef struct load_times {
    uint64_t read_us, read_bytes, prepare_us, tokenizer_us, state_us;
} load_times;

/* Everything a loaded model owns. Zeroed = nothing loaded. */
typedef struct loaded_model {
    bool loaded;
    llmbm_model model;
    llmbm_tokenizer tok;
    llmbm_session sess; /* the run state: KV cache, token history */
    uint32_t ctx_len;
    char tok_source[96]; /* where the tokenizer came from, for messages */
    /* NAME.tpl from beside the model (templates.h), or NULL: template=auto
     * uses it first. */
    struct chat_template *file_template;
    /* The Kernels line of the last llmbm_model_prepare (the level in use
     * and why: measured or forced), for /cfg. */
    char kernels[320];
    load_times times;
} loaded_model;

/* Finds `path` on the volume: as given, else under models/. Writes the path
 * that opened into found[cap]. False (with a message printed) if neither. */
bool loader_resolve(const char *path, char *found, size_t cap);

/* Loads `path` into *out (which must be empty). `prev` is the model loaded
 * now, or NULL: it stays loaded if the new one fits beside it, and is
 * unloaded first (saying so) only when the new one needs its memory. On
 * failure prints why and returns false; *out stays empty. */
bool loader_load(repl_state *st, const char *path, loaded_model *out, loaded_model *prev);

/* Builds the run state for `ctx` tokens (0: the model's own maximum, as
 * memory allows), replacing any previous one. False with a message if it
 * does not fit; the old state is then gone too (lm->ctx_len == 0). */
bool loader_set_ctx(repl_state *st, loaded_model *lm, uint32_t ctx);

/* /model_info: parses `path` and describes it, with the memory it would
 * need at the configured context, without keeping it loaded. */
void loader_info(repl_state *st, const char *path);

/* After the kernel level changed (/set isa): measures again under auto and
 * re-lays the matrices out in place for the level in use, saying so. */
void loader_follow_isa(loaded_model *lm);

void loader_unload(loaded_model *lm);

/* Bytes a loaded model holds (file, run state), for the budget. */
uint64_t loader_bytes(const loaded_model *lm);
