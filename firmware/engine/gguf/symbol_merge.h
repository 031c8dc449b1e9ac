/* The merge loop both GGUF tokenizers share: split a fragment into UTF-8
 * characters, then repeatedly merge the adjacent pair with the highest
 * priority (ties: the leftmost) until no pair may merge. SentencePiece ranks
 * a pair by its token's score, GPT-2 BPE by its merge rank; only that
 * differs, so it is the callback. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A symbol: text[off, off + n), linked to its neighbours; n == 0 once
 * merged into the symbol on its left. */
typedef struct merge_sym {
    int32_t prev, next;
    uint32_t off, n;
} merge_sym;

/* A candidate pair in the priority queue. `size` detects pairs made stale by
 * a later merge of either side. double holds both float scores and integer
 * ranks (< 2^53) exactly. */
typedef struct merge_pair {
    double priority;
    int32_t left, right;
    uint32_t size;
} merge_pair;

/* Whether text[off, off + size) may be one symbol, and with what priority
 * (higher merges first). */
typedef bool (*merge_priority_fn)(const void *ctx, const uint8_t *text, uint32_t off, uint32_t size, uint32_t left_n,
                                  double *priority);

/* Merges text[0, len) (len > 0) into syms; the symbols are then syms[0] and
 * its `next` chain. syms needs an entry per UTF-8 character of text (len at
 * most) and pairs three (the first pairs plus at most two per merge). */
void merge_symbols(const uint8_t *text, size_t len, merge_sym *syms, merge_pair *pairs, merge_priority_fn fn,
                   const void *ctx);
