/* `llmbm run MODEL --chat -i TEXT`: TEXT as the first user turn of a REPL
 * conversation, answered by the REPL's chat code (firmware/repl/chat.c)
 * itself, so the prompt is rendered by the same template (NAME.tpl beside
 * the model, else the built-in family from tokenizer.chat_template, or
 * --template), encoded, fed, sampled and stopped exactly as the REPL does:
 * greedy, the tokens equal the REPL's answer to the same line.
 *
 * run's options become REPL settings as typed (-t is temp, -p top_p, ...),
 * checked by the REPL's own settings parser. -n keeps run's meaning, the
 * positions available, prompt included; --max-tokens caps the answer as the
 * REPL's max_tokens does (default 0: until the model ends its turn). stdout
 * gets the answer only; the stats go to stderr, and with --print-ids the
 * conversation's token ids, for tests that compare them with a rendering of
 * the model's Jinja template. */
#include <stdio.h>

#include "chat.h"
#include "cli.h"
#include "cmd_run_chat.h"
#include "loader.h"
#include "templates.h"
#include "text.h"

/* Nothing to read keys from, no memory budget: the REPL's code checks for
 * NULL members. */
static const repl_sys no_console = {0};

static bool apply_settings(repl_cfg *cfg, const run_chat_opts *o, char *seed_text, size_t seed_cap)
{
    const char *why;
    if (!cfg_set(cfg, "max_tokens", "0", CFG_FROM_SET, 0, &why)) return false;
    snprintf(seed_text, seed_cap, "%llu", (unsigned long long)o->seed);
    if (!cfg_set(cfg, "seed", seed_text, CFG_FROM_SET, 0, &why)) {
        cli_error("--chat: seed %s: %s", seed_text, why);
        return false;
    }
    for (int i = 0; i < o->n_settings; i++) {
        if (!cfg_set(cfg, o->settings[i][0], o->settings[i][1], CFG_FROM_SET, 0, &why)) {
            cli_error("--chat: %s %s: %s", o->settings[i][0], o->settings[i][1], why);
            return false;
        }
    }
    return true;
}

int run_chat(const run_chat_opts *o)
{
    static repl_state st;
    st.sys = &no_console;
    cfg_init(&st.cfg);
    char seed_text[32];
    if (!apply_settings(&st.cfg, o, seed_text, sizeof seed_text)) return CLI_USAGE;

    static loaded_model lm;
    llmbm_err err;
    int rc = CLI_ERROR;
    if (!cli_load_with_tokenizer(o->model_path, o->tokenizer_path, &lm.model, &lm.tok)) return CLI_ERROR;
    uint32_t seq_len = lm.model.config.seq_len;
    uint32_t ctx = o->steps == 0 || o->steps > seq_len ? seq_len : o->steps;
    llmbm_run_params params = {ctx, 0, false, cli_kv_type};
    if (llmbm_session_open(&lm.sess, &lm.model, &lm.tok, &params, &err)) {
        cli_error("%s", err.msg);
        goto free_tok;
    }
    lm.ctx_len = ctx;
    lm.loaded = true;
    lm.file_template = template_file_load(o->model_path);
    const chat_template *t = chat_template_for(&st, &lm);
    if (!t) {
        cli_error("--chat: %s has no chat template (no .tpl beside it, no family llmbm knows in its "
                  "tokenizer.chat_template): name one with --template (chatml, llama3, ...)",
                  o->model_path);
        goto free_all;
    }
    static chat c;
    if (!chat_init(&c, &lm)) goto free_all;
    c.quiet = true;
    chat_line(&st, &lm, &c, o->message);
    printf("\n");
    fflush(stdout);
    if (c.last.reason) {
        double secs = (double)c.last.answer_us / 1e6;
        fprintf(stderr, "template %s | prompt tokens: %u, generated tokens: %u, %.2f tokens/s | stop: %s\n", t->name,
                c.last.prompt_tokens, c.last.answer_tokens, secs > 0 ? (double)c.last.answer_tokens / secs : 0.0,
                c.last.reason);
        if (o->print_ids) {
            fputs("conversation tokens:", stderr);
            for (uint32_t i = 0; i < c.sess->n; i++) fprintf(stderr, " %d", (int)c.sess->tokens[i]);
            fputs("\n", stderr);
        }
        rc = CLI_OK;
    }
    chat_free(&c);
free_all:
    loader_unload(&lm); /* the transformer, tokenizer, model and template */
    return rc;
free_tok:
    llmbm_tokenizer_free(&lm.tok);
    llmbm_model_free(&lm.model);
    return rc;
}
