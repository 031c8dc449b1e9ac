/* Per-position scores of `llmbm perplexity` and the statistics printed from them: perplexity
 * with its standard error and, against a base run's log-probabilities, the KL divergence,
 * token-probability and top-1 statistics that llama.cpp's `--kl-divergence` reports (so the
 * figures of the two tools can be put side by side). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct ppl_stats {
    size_t n, cap;
    bool with_base;
    double *nll;       /* -ln p(target) under the model */
    double *nll_base;  /* the same under the base (with_base) */
    double *kl;        /* KL(base || model) at the position */
    double *dp;        /* p_model(target) - p_base(target) */
    uint8_t *same_top; /* 1 when both put their maximum on the same token */
} ppl_stats;

bool ppl_stats_init(ppl_stats *s, size_t cap, bool with_base);
void ppl_stats_free(ppl_stats *s);

/* Turns logits into log-probabilities (double) in place of `out`. */
void ppl_log_softmax(const float *logits, uint32_t n_vocab, double *out);

/* Records one scored position: the model's log-probabilities, and the base's (or NULL). */
void ppl_stats_add(ppl_stats *s, const double *logprobs, const double *base, uint32_t n_vocab, int32_t target);

/* Perplexity over the positions so far, and its standard error (first-order propagation of
 * the standard error of the mean negative log-likelihood). */
void ppl_stats_perplexity(const ppl_stats *s, double *ppl, double *err);

/* The final report (stdout). */
void ppl_stats_print(const ppl_stats *s, FILE *out);
