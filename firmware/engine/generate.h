/* The generation loop of llama2.c run.c over an engine session: feed the
 * prompt, then sample, until `steps` positions (prompt included) or a
 * generated end-of-generation token (llmbm_token_is_eog: BOS for llama2.c,
 * EOS/EOT for GGUF; such tokens inside the prompt are fed like any other).
 * Text is handed to a callback piece by piece, so the CLI and the REPL print
 * the same way. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "eng_session.h"

/* Called for every token after a leading BOS (for every token, the first
 * prompt token included, when the prompt does not start with BOS): `token`
 * and its decoded piece
 * (already through llmbm_decode; check llmbm_piece_is_printable before
 * showing it). Return false to stop. */
typedef bool (*llmbm_token_fn)(void *ctx, int32_t token, const char *piece);

typedef struct llmbm_gen_stats {
    uint32_t prompt_tokens;    /* including BOS */
    uint32_t generated_tokens; /* sampled (not prompt) tokens */
    uint32_t positions;        /* positions computed */
    uint64_t first_token_us;   /* clock after the prompt was computed */
    uint64_t end_us;
} llmbm_gen_stats;

/* prompt: tokens starting with BOS (from llmbm_encode(..., bos=true)). steps
 * counts positions including the prompt, capped at the session's context.
 * The session starts from an empty history (it is reset). */
int llmbm_generate(llmbm_session *s, llmbm_sampler *sampler, const int32_t *prompt, uint32_t n_prompt, uint32_t steps,
                   llmbm_token_fn on_token, void *ctx, llmbm_gen_stats *stats, llmbm_err *err);
