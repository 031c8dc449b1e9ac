/* Next-token sampling. Greedy, temperature and top-p reproduce llama2.c
 * run.c exactly (same xorshift RNG, same top-p cut-off); top-k, min-p and
 * the repetition penalty are extras, off by default. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_util.h"

typedef struct llmbm_sampler_params {
    float temperature;      /* 0: greedy */
    float top_p;            /* <= 0 or >= 1: off */
    uint32_t top_k;         /* 0: off */
    float min_p;            /* 0: off; keep tokens with p >= min_p * p_max */
    float repeat_penalty;   /* 1: off; llama.cpp/CTRL style */
    uint32_t repeat_last_n; /* window of recent tokens the penalty looks at */
    uint64_t seed;          /* must be nonzero (callers map 0 to a time seed) */
} llmbm_sampler_params;

typedef struct llmbm_prob_index {
    float prob;
    int32_t index;
} llmbm_prob_index;

typedef struct llmbm_sampler {
    llmbm_sampler_params params;
    uint32_t vocab_size;
    uint64_t rng_state;
    llmbm_prob_index *candidates; /* vocab_size, plus as much merge-sort scratch */
    int32_t *history;             /* ring of the last repeat_last_n tokens */
    uint32_t history_len, history_pos;
} llmbm_sampler;

/* Defaults of run.c: temperature 1, top-p 0.9, extras off. */
llmbm_sampler_params llmbm_sampler_defaults(void);

int llmbm_sampler_init(llmbm_sampler *s, uint32_t vocab_size, const llmbm_sampler_params *params, llmbm_err *err);
void llmbm_sampler_free(llmbm_sampler *s);

/* Picks the next token. Modifies logits (scaled, softmaxed in place). */
int32_t llmbm_sample(llmbm_sampler *s, float *logits);

/* Records a token that is now part of the context (prompt or generated), for
 * the repetition penalty. */
void llmbm_sampler_accept(llmbm_sampler *s, int32_t token);

/* llama2.c's xorshift64* generator. */
uint32_t llmbm_random_u32(uint64_t *state);
float llmbm_random_f32(uint64_t *state);

/* Building blocks, exported for the unit tests. */
int32_t llmbm_sample_argmax(const float *probs, size_t n);
int32_t llmbm_sample_mult(const float *probs, size_t n, float coin);
int32_t llmbm_sample_topp(const float *probs, size_t n, float topp, llmbm_prob_index *scratch, float coin);
