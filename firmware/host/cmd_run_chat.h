/* `llmbm run --chat` (cmd_run_chat.c): -i TEXT as one chat turn, through
 * the REPL's own chat code. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define RUN_CHAT_MAX_SETTINGS 16

typedef struct run_chat_opts {
    const char *model_path, *tokenizer_path, *message;
    uint32_t steps; /* positions, prompt included (0: the model's seq_len) */
    uint64_t seed;  /* never 0 (run's -s, or the clock) */
    /* --print-ids: the conversation's tokens (prompt, answer and the end of
     * the turn, as the REPL keeps them) on stderr after the answer. */
    bool print_ids;
    /* REPL settings (key, value as typed) from run's options. */
    const char *settings[RUN_CHAT_MAX_SETTINGS][2];
    int n_settings;
} run_chat_opts;

int run_chat(const run_chat_opts *o);
