/* One layer's causal attention for a batch (attention.c). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "transformer.h"

/* Most shares a batch's attention is split into: each has its own transposed
 * keys (llmbm_attention_keys_t_floats) and its own score row in tf->att. */
#define LLMBM_ATTENTION_SHARES_MAX 8u

/* Floats of one share's transposed keys for a context of ctx_len. */
size_t llmbm_attention_keys_t_floats(uint32_t ctx_len, uint32_t head_size);

/* Tokens pos .. pos+n-1 (their q rows in tf->q, their keys and values already
 * in the cache at layer_off) attend causally to the cache: each head's output
 * into its slice of tf->xb. window: a sliding-window layer's width, else 0;
 * softcap: gemma 2's score cap, else 0. The same bits for any n and core
 * count: a token's result is the one-token kernels'. */
void llmbm_attention_layer(llmbm_transformer *tf, size_t layer_off, uint32_t pos, uint32_t n, uint32_t window,
                           float softcap);
