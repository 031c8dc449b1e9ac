/* `llmbm run` (llama2.c run's generate mode). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd_run_chat.h"
#include "generate.h"
#include "host_platform.h"
#include "platform.h"

typedef struct run_opts {
    const char *model_path;
    const char *tokenizer_path;
    const char *prompt;
    long long steps;
    long long seed;
    long long threads;
    long long batch; /* tokens per forward pass; 0: the engine's default */
    llmbm_sampler_params sampling;
    bool print_ids;
    bool chat;
    run_chat_opts chat_opts; /* --chat: the options as typed, for the REPL's settings */
} run_opts;

/* Options take a value; both "-t 0" and "--top-k 5" forms. */
static int parse_run_args(int argc, char **argv, run_opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (o->model_path) {
                cli_error("unexpected argument '%s'", a);
                return CLI_USAGE;
            }
            o->model_path = a;
            continue;
        }
        if (!strcmp(a, "--print-ids")) {
            o->print_ids = true;
            continue;
        }
        if (!strcmp(a, "--chat")) {
            o->chat = true;
            continue;
        }
        if (i + 1 >= argc) {
            cli_error("option %s needs a value", a);
            return CLI_USAGE;
        }
        const char *v = argv[++i];
        long long n = 0;
        bool ok = true;
        /* The REPL's setting each option maps to under --chat. */
        static const struct {
            const char *opt, *key;
        } chat_keys[] = {
            {"-t", "temp"},
            {"-p", "top_p"},
            {"--top-k", "top_k"},
            {"--min-p", "min_p"},
            {"--repeat-penalty", "repeat_penalty"},
            {"--repeat-last-n", "repeat_last_n"},
            {"--template", "template"},
            {"--system", "system"},
            {"--max-tokens", "max_tokens"},
            {"--think", "think"},
        };
        for (size_t k = 0; k < sizeof chat_keys / sizeof chat_keys[0]; k++) {
            if (!strcmp(a, chat_keys[k].opt) && o->chat_opts.n_settings < RUN_CHAT_MAX_SETTINGS) {
                o->chat_opts.settings[o->chat_opts.n_settings][0] = chat_keys[k].key;
                o->chat_opts.settings[o->chat_opts.n_settings++][1] = v;
            }
        }
        if (!strcmp(a, "--template") || !strcmp(a, "--system") || !strcmp(a, "--max-tokens") || !strcmp(a, "--think"))
            continue;
        if (!strcmp(a, "-z"))
            o->tokenizer_path = v;
        else if (!strcmp(a, "-i"))
            o->prompt = v;
        else if (!strcmp(a, "-t"))
            ok = cli_parse_float(a, v, &o->sampling.temperature);
        else if (!strcmp(a, "-p"))
            ok = cli_parse_float(a, v, &o->sampling.top_p);
        else if (!strcmp(a, "-s"))
            ok = cli_parse_long(a, v, &o->seed);
        else if (!strcmp(a, "-n"))
            ok = cli_parse_long(a, v, &o->steps);
        else if (!strcmp(a, "-T"))
            ok = cli_parse_long(a, v, &o->threads);
        else if (!strcmp(a, "-b") || !strcmp(a, "--batch"))
            ok = cli_parse_long(a, v, &o->batch);
        else if (!strcmp(a, "--min-p"))
            ok = cli_parse_float(a, v, &o->sampling.min_p);
        else if (!strcmp(a, "--repeat-penalty"))
            ok = cli_parse_float(a, v, &o->sampling.repeat_penalty);
        else if (!strcmp(a, "--top-k") || !strcmp(a, "--repeat-last-n")) {
            ok = cli_parse_long(a, v, &n);
            if (ok && (n < 0 || n > 0x7fffffff)) {
                cli_error("%s must be between 0 and 2^31-1", a);
                return CLI_USAGE;
            }
            if (!strcmp(a, "--top-k"))
                o->sampling.top_k = (uint32_t)n;
            else
                o->sampling.repeat_last_n = (uint32_t)n;
        } else if (!strcmp(a, "-m")) {
            if (strcmp(v, "generate")) {
                cli_error("only -m generate is supported (for chat: --chat, or llmbm repl)");
                return CLI_USAGE;
            }
        } else {
            cli_error("unknown option %s", a);
            return CLI_USAGE;
        }
        if (!ok) return CLI_USAGE;
    }
    if (!o->model_path) {
        cli_error("missing MODEL");
        return CLI_USAGE;
    }
    if (!o->chat && o->chat_opts.n_settings) {
        for (int k = 0; k < o->chat_opts.n_settings; k++) {
            const char *key = o->chat_opts.settings[k][0];
            if (!strcmp(key, "template") || !strcmp(key, "system") || !strcmp(key, "max_tokens") ||
                !strcmp(key, "think")) {
                cli_error("--%s needs --chat", !strcmp(key, "max_tokens") ? "max-tokens" : key);
                return CLI_USAGE;
            }
        }
    }
    /* run.c's parameter fix-ups. */
    if (o->sampling.temperature < 0.0f) o->sampling.temperature = 0.0f;
    if (o->sampling.top_p < 0.0f || o->sampling.top_p > 1.0f) o->sampling.top_p = 0.9f;
    if (o->steps < 0) o->steps = 0;
    if (o->threads < 0) o->threads = 0; /* 0: every online CPU */
    if (o->threads > 1024) o->threads = 1024;
    if (o->batch < 0 || o->batch > 4096) {
        cli_error("-b must be between 1 and 4096 (0: the default, %u)", LLMBM_DEFAULT_BATCH);
        return CLI_USAGE;
    }
    o->sampling.seed = o->seed <= 0 ? (uint64_t)(unsigned)time(NULL) : (uint64_t)o->seed;
    return CLI_OK;
}

typedef struct print_ctx {
    bool print_ids;
} print_ctx;

static bool print_token(void *ctx, int32_t token, const char *piece)
{
    const print_ctx *pc = ctx;
    if (pc->print_ids)
        printf("%d ", (int)token);
    else if (llmbm_piece_is_printable(piece))
        fputs(piece, stdout);
    fflush(stdout);
    return true;
}

int cmd_run(int argc, char **argv)
{
    run_opts o = {0};
    o.tokenizer_path = NULL; /* the GGUF's own, or ./tokenizer.bin */
    o.prompt = "";
    o.steps = 256;
    o.threads = 0;
    o.sampling = llmbm_sampler_defaults();
    o.sampling.repeat_last_n = 0;
    int rc = parse_run_args(argc, argv, &o);
    if (rc) return rc;
    host_set_threads((unsigned)o.threads);
    if (o.chat) {
        o.chat_opts.model_path = o.model_path;
        o.chat_opts.tokenizer_path = o.tokenizer_path;
        o.chat_opts.message = o.prompt;
        o.chat_opts.steps = (uint32_t)(o.steps > 0xffffffffll ? 0xffffffffu : o.steps);
        o.chat_opts.seed = o.sampling.seed;
        o.chat_opts.print_ids = o.print_ids;
        return run_chat(&o.chat_opts);
    }

    llmbm_model model;
    llmbm_tokenizer tok;
    llmbm_session sess;
    llmbm_sampler sampler;
    llmbm_err err;
    int32_t *prompt = NULL;
    rc = CLI_ERROR;
    if (!cli_load_with_tokenizer(o.model_path, o.tokenizer_path, &model, &tok)) return CLI_ERROR;
    uint32_t seq_len = model.config.seq_len;
    uint32_t steps = (o.steps == 0 || o.steps > seq_len) ? seq_len : (uint32_t)o.steps;
    llmbm_run_params params = {steps, (uint32_t)o.batch, false, cli_kv_type};
    if (llmbm_session_open(&sess, &model, &tok, &params, &err)) {
        cli_error("%s", err.msg);
        goto free_tok;
    }
    if (llmbm_sampler_init(&sampler, model.config.vocab_size, &o.sampling, &err)) {
        cli_error("%s", err.msg);
        goto free_tf;
    }
    prompt = malloc(llmbm_encode_capacity(strlen(o.prompt)) * sizeof *prompt);
    if (!prompt) {
        cli_error("out of memory");
        goto free_sampler;
    }
    uint32_t n_prompt = (uint32_t)llmbm_encode(&tok, o.prompt, true, false, prompt);
    /* The callback sees every token after BOS, prompt ones included: that is
     * what run.c prints, and what --print-ids lists. */
    print_ctx pc = {o.print_ids};
    llmbm_gen_stats st;
    uint64_t start = plat_now_us();
    if (llmbm_generate(&sess, &sampler, prompt, n_prompt, steps, print_token, &pc, &st, &err)) {
        cli_error("%s", err.msg);
        goto free_prompt;
    }
    printf("\n");
    fflush(stdout);
    /* The prompt is computed in batches, the answer token by token: two rates. */
    double pp_secs = st.first_token_us > start ? (double)(st.first_token_us - start) / 1e6 : 0.0;
    double tg_secs = st.end_us > st.first_token_us ? (double)(st.end_us - st.first_token_us) / 1e6 : 0.0;
    uint32_t fed = st.positions > st.prompt_tokens ? st.prompt_tokens : st.positions;
    uint32_t decoded = st.positions - fed;
    fprintf(stderr, "prompt tokens: %u, generated tokens: %u, %.2f tokens/s (prompt: %.2f tokens/s)\n",
            st.prompt_tokens, st.generated_tokens, tg_secs > 0 ? decoded / tg_secs : 0.0,
            st.first_token_us && pp_secs > 0 ? fed / pp_secs : 0.0);
    rc = CLI_OK;
free_prompt:
    free(prompt);
free_sampler:
    llmbm_sampler_free(&sampler);
free_tf:
    llmbm_session_close(&sess);
free_tok:
    llmbm_tokenizer_free(&tok);
    llmbm_model_free(&model);
    return rc;
}
