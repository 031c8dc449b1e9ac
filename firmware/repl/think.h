/* A thinking model's reasoning (think.c): <think>...</think> in an answer
 * shown dimmed, hidden, or turned off in the prompt (think=show|hide|off),
 * and dropped from the conversation's history the way the model's own
 * template renders past turns. */
#pragma once

#include "chat.h"
#include "templates.h"

typedef enum think_mode { THINK_SHOW, THINK_HIDE, THINK_OFF } think_mode;

think_mode think_mode_of(const repl_state *st);

/* What follows a user message: the template's generation prompt, or with
 * think=off its no-thinking form (Qwen3: an empty think block) when the
 * template has one. */
const char *think_user_post(const repl_state *st, const chat_template *t);

/* The display stage between the stop-string streamer and the console:
 * text in, text out (or dropped), in any pieces; a tag split across pieces
 * is held until it is whole. */
typedef struct think_stage {
    think_mode mode;
    void (*style)(int repl_style); /* the console's colour hook, or NULL */
    bool inside;                   /* between <think> and </think> */
    bool eat_newlines;             /* hide: the newlines after </think> */
    char held[8];                  /* a possible start of a tag */
    unsigned n_held;
} think_stage;

/* t NULL (raw completion): everything passes through. */
void think_begin(think_stage *th, const repl_state *st, const chat_template *t);
void think_write(think_stage *th, const char *text, size_t len);
/* Writes what is held and ends the dimmed style. */
void think_end(think_stage *th);

/* Once a turn is closed (its end-of-turn tokens written): drops the
 * reasoning of the answer that starts at toks[answer_start] as the
 * template does to past turns (t->think_history), and what the generation
 * prompt wrote that a past turn does not have: think=off's empty think
 * block, DeepSeek-R1's opening <think>. The KV cache is re-fed from the
 * first dropped token on the next turn. */
void think_forget(const repl_state *st, const loaded_model *lm, const chat_template *t, chat *c, uint32_t answer_start);
