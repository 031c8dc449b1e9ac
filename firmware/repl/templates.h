/* Chat templates (templates.c): how a system prompt and the turns of a
 * conversation are written out as text for each model family. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct llmbm_tokenizer;

/* What a template does to the <think>...</think> of an answer once a new
 * user turn follows it (Qwen3's Jinja drops the reasoning of past turns). */
typedef enum think_history {
    THINK_HISTORY_KEEP,     /* written back as generated */
    THINK_HISTORY_DROP,     /* through </think> and the newlines after it */
    THINK_HISTORY_DROP_TAG, /* through </think>, newlines kept (DeepSeek-R1) */
} think_history;

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
    /* The template writes bos_token as text (a .tpl's bos=1): the
     * conversation starts with BOS even when the tokenizer adds none
     * (SmolLM2's BOS is its <|im_start|>). */
    bool writes_bos;
    /* A thinking model's generation prompt (user_post) with thinking turned
     * off (think=off), as its Jinja writes it for enable_thinking=false;
     * NULL: the template has no such switch. */
    const char *user_post_no_think;
    think_history think_history;
    /* What follows a user message in a past turn when it differs from the
     * generation prompt (DeepSeek-R1's opens <think>, its history does
     * not); NULL: user_post. */
    const char *user_post_history;
} chat_template;

/* By name (case-insensitive); NULL for "raw", "auto" or an unknown name. */
const chat_template *template_find(const char *name);

/* The template derived at image build time from the model's own Jinja
 * template (llmbm_build.chat_template): NAME.tpl beside NAME.gguf. NULL when
 * there is none or it is unusable (then the warnings, with line numbers, say
 * why). One plat_alloc block: release it with plat_free. */
chat_template *template_file_load(const char *model_path);

/* The built-in family a GGUF's Jinja chat template belongs to, recognised
 * by its markers; NULL for a family the firmware does not know. */
const chat_template *template_from_jinja(const char *jinja);

/* One line (no newline) naming the template template=auto picks for the
 * model at model_path with tokenizer tok (NULL: none) and where it comes
 * from: the .tpl beside the model, the GGUF's Jinja, or none. */
void template_describe_auto(const char *model_path, const struct llmbm_tokenizer *tok, char *out, size_t cap);
