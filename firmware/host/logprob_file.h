/* The log-probability file of `llmbm perplexity --save-logits` / `--kl-base`.
 *
 * Little-endian, in this order:
 *   header, 32 bytes: "LLMBMLP1" | u32 version (1) | u32 n_vocab | u32 n_ctx | u32 n_chunks |
 *                     u32 first (the first scored position of a chunk) | u32 reserved (0)
 *   tokens: n_chunks * n_ctx u32, each chunk as fed to the model (BOS substituted at its start
 *           when the model adds one)
 *   rows:   for each chunk, for each position j in [first, n_ctx - 2]: n_vocab float32, the
 *           natural-log softmax of the logits after feeding tokens 0..j of the chunk (they
 *           predict token j + 1)
 * The file is exactly that long; a reader checks the header's counts against each other, the
 * tokens against n_vocab and the size against the counts before reading a row.
 * python/llmbm_build/logprob_file.py reads and writes the same format. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LOGPROB_MAGIC        "LLMBMLP1"
#define LOGPROB_VERSION      1u
#define LOGPROB_HEADER_BYTES 32u

typedef struct logprob_header {
    uint32_t n_vocab, n_ctx, n_chunks, first;
} logprob_header;

/* Rows per chunk: the positions first .. n_ctx - 2. */
uint32_t logprob_rows_per_chunk(const logprob_header *h);

/* Opens `path` for writing and writes the header and the tokens; NULL with the reason printed. */
FILE *logprob_create(const char *path, const logprob_header *h, const int32_t *tokens);
/* Appends one row of n_vocab log-probabilities (converted to float32). */
bool logprob_write_row(FILE *f, const char *path, const double *logprobs, uint32_t n_vocab);

/* Opens `path`, validates header and size, fills *h and *tokens (malloc'd, n_chunks * n_ctx);
 * leaves the file at the first row. NULL with the reason printed. */
FILE *logprob_open(const char *path, logprob_header *h, int32_t **tokens);
/* Reads the next row into `out` (n_vocab doubles). */
bool logprob_read_row(FILE *f, const char *path, double *out, uint32_t n_vocab, float *buf);
