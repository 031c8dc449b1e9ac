/* Chat templates (templates.c): how a system prompt and the turns of a
 * conversation are written out as text for each model family. */
#pragma once

#include <stdbool.h>

typedef struct chat_template {
    const char *name;
    /* Before and after the system prompt (only written when there is one). */
    const char *sys_pre, *sys_post;
    /* The system prompt sits inside the first user turn (llama2, gemma):
     * that turn then starts without user_pre. */
    bool sys_in_first_user;
    /* Around each user message; user_post ends with the assistant header. */
    const char *user_pre, *user_post;
    /* After each answer that did not end on its own end-of-turn marker. */
    const char *turn_end;
    /* llama2 separates turns with real EOS/BOS tokens, not text. */
    bool eos_bos_between_turns;
    /* Text that ends an answer when the model writes it. */
    const char *stops[3];
    /* Written instead of the system block when there is no system prompt
     * (Qwen's and Llama 3's default system text); NULL: nothing. */
    const char *no_sys;
} chat_template;

/* By name (case-insensitive); NULL for "raw", "auto" or an unknown name. */
const chat_template *template_find(const char *name);

/* The template derived at image build time from the model's own Jinja
 * template (llmbm_build.chat_template): NAME.tpl beside NAME.gguf. NULL when
 * there is none or it is unusable (then the warnings, with line numbers, say
 * why). One plat_alloc block: release it with plat_free. */
chat_template *template_file_load(const char *model_path);
