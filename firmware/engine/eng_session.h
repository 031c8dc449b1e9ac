/* One engine session: the token history of a conversation (or a prompt and
 * its continuation), the KV cache that mirrors it and the logits of its last
 * token. Every caller generates through it: the REPL's chat, `llmbm run`,
 * `bench`, `logits`, `perplexity` and the tests.
 *
 * The history may run ahead of the cache: tokens are appended first and
 * computed when needed, in batches (llmbm_session_eval), so a prompt costs
 * one pass over the weights per batch rather than per token, with the same
 * bits as feeding it token by token. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "sampler.h"
#include "tokenizer.h"
#include "transformer.h"

/* Polled between batches; true stops the evaluation (what was computed stays). */
typedef bool (*llmbm_interrupt_fn)(void *ctx);
/* Told after each batch: `done` of `total` pending tokens computed. */
typedef void (*llmbm_progress_fn)(void *ctx, uint32_t done, uint32_t total);
/* With llmbm_run_params.all_logits: told each computed position's logits. */
typedef void (*llmbm_logits_fn)(void *ctx, uint32_t pos, const float *logits);

typedef struct llmbm_session {
    llmbm_transformer tf;
    const llmbm_tokenizer *tok;
    int32_t *tokens; /* tokens[i] sits at KV cache position i once computed */
    uint32_t cap;    /* tf.ctx_len */
    uint32_t n;      /* tokens in the history */
    uint32_t n_past; /* of them, how many the KV cache holds */
    float *logits;   /* the last computed token's, when it is tokens[n - 1]; else NULL */
    /* More one-token ends of generation than llmbm_token_is_eog's (a
     * template's end-of-turn marker, a llama2.c EOS). */
    int32_t stops[4];
    unsigned n_stops;
    llmbm_interrupt_fn interrupt;
    llmbm_progress_fn progress;
    llmbm_logits_fn on_logits;
    void *hook_ctx;
} llmbm_session;

/* Sizes the run state for `params`; tok may be NULL when nothing is sampled. */
int llmbm_session_open(llmbm_session *s, const llmbm_model *model, const llmbm_tokenizer *tok,
                       const llmbm_run_params *params, llmbm_err *err);
void llmbm_session_close(llmbm_session *s);
/* Bytes llmbm_session_open allocates. */
uint64_t llmbm_session_state_bytes(const llmbm_model *model, const llmbm_run_params *params);

/* Forgets the history (the cache is simply overwritten later). */
void llmbm_session_reset(llmbm_session *s);
/* Keeps the first n tokens of the history. */
void llmbm_session_truncate(llmbm_session *s, uint32_t n);

/* Appends tokens to the history without computing them. -1 with err set if
 * they do not fit in the context (nothing appended then). */
int llmbm_session_append(llmbm_session *s, const int32_t *tokens, uint32_t n, llmbm_err *err);
/* Computes every token the cache lacks, in batches of up to tf.batch.
 * Returns 0 (s->logits set), 1 when the interrupt hook stopped it (the
 * tokens computed so far stay), -1 with err set. */
int llmbm_session_eval(llmbm_session *s, llmbm_err *err);
/* llmbm_session_append then llmbm_session_eval. */
int llmbm_session_feed(llmbm_session *s, const int32_t *tokens, uint32_t n, llmbm_err *err);

typedef enum llmbm_step_result {
    LLMBM_STEP_TOKEN, /* *token was sampled and appended (computed by the next step) */
    LLMBM_STEP_END,   /* *token is an end of generation: not appended */
    LLMBM_STEP_FULL,  /* *token was sampled but the context is full: not appended */
    LLMBM_STEP_ERROR, /* err is set */
} llmbm_step_result;

/* Computes what the cache lacks, samples the next token from the last
 * token's logits (the sampler accepts it) and appends it unless it ends the
 * generation or the context is full. */
llmbm_step_result llmbm_session_step(llmbm_session *s, llmbm_sampler *sampler, int32_t *token, llmbm_err *err);

/* Removes tokens [from, from + count) of the history; the cache keeps only
 * the positions before `from` (what follows is computed again when needed). */
int llmbm_session_erase(llmbm_session *s, uint32_t from, uint32_t count, llmbm_err *err);

/* Context shift: drops tokens [from, from + count) of the history; the
 * computed tokens after them keep their cache entries, moved down with their
 * keys re-rotated to the new positions (no recomputation). */
int llmbm_session_drop(llmbm_session *s, uint32_t from, uint32_t count, llmbm_err *err);
