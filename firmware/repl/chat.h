/* The conversation with a loaded model (chat.c): the turns its tokens (in
 * the model's engine session, lm->sess) divide into, and the answer loop
 * that streams a reply. */
#pragma once

#include "loader.h"

typedef struct chat {
    llmbm_session *sess;  /* the tokens and their KV cache */
    uint32_t cap;         /* the context length */
    uint32_t sys_end;     /* BOS and the system prompt: never dropped */
    uint32_t *turn_start; /* where each kept turn (user + answer) begins */
    uint32_t n_turns;
    uint32_t user_turns; /* turns since the start, dropped ones included */
    bool started;        /* BOS and the system prompt are in the session */
    bool raw_last;       /* the last line was a raw completion */
    uint64_t rng;        /* sampler state carried across answers (seed=0) */
    /* No stats line after an answer: the caller reports `last` itself
     * (llmbm run --chat, whose stdout is only the answer). Set after
     * chat_init. */
    bool quiet;
    struct {
        uint32_t prompt_tokens, answer_tokens;
        uint64_t prompt_us, answer_us;
        const char *reason;
    } last;
} chat;

/* Sizes the buffers for lm's context. False (with a message) if memory is short. */
bool chat_init(chat *c, loaded_model *lm);
void chat_free(chat *c);
/* Forgets the conversation; the next line starts from the system prompt. */
void chat_reset(chat *c);
/* Answers one typed line, streaming the reply and a stats line. */
void chat_line(repl_state *st, loaded_model *lm, chat *c, const char *line);
/* /ctx */
void chat_show_ctx(const repl_state *st, const loaded_model *lm, const chat *c);
/* The template in use: template=, or for auto the model's own family;
 * NULL means raw completion. */
struct chat_template;
const struct chat_template *chat_template_for(const repl_state *st, const loaded_model *lm);
