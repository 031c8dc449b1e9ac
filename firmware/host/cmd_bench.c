/* `llmbm bench`: prompt processing (ppN: N tokens fed in batches from an
 * empty context) and decoding (tgN: N tokens one at a time after BOS), for
 * each thread count, through the engine session as every caller uses it. A
 * row also says how many bytes of weights that streamed per second and what
 * share of the read bandwidth that is, measured in the same run on the same
 * threads, so figures from different machines compare. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eng_session.h"
#include "host_platform.h"
#include "isa.h"
#include "platform.h"
#include "sampler.h"

#define MAX_LIST 8

typedef struct bench_opts {
    const char *path;
    long long pp[MAX_LIST], threads[MAX_LIST];
    int n_pp, n_threads;
    long long tg, batch, repeat;
    bool json;
} bench_opts;

/* "128,512" into list (each 1..max). */
static bool parse_list(const char *opt, const char *text, long long *list, int *n, long long max)
{
    *n = 0;
    char buf[128];
    if (strlen(text) >= sizeof buf) return cli_error("%s: list too long", opt), false;
    strcpy(buf, text);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        long long v;
        if (*n == MAX_LIST) return cli_error("%s: at most %d values", opt, MAX_LIST), false;
        if (!cli_parse_long(opt, tok, &v)) return false;
        if (v < 0 || v > max) return cli_error("%s: %lld is outside 0..%lld", opt, v, max), false;
        list[(*n)++] = v;
    }
    return *n > 0 || (cli_error("%s: empty list", opt), false);
}

static int parse(int argc, char **argv, bench_opts *o)
{
    o->pp[0] = 128, o->n_pp = 1, o->threads[0] = 0, o->n_threads = 1, o->tg = 64, o->repeat = 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (!strcmp(a, "--json"))
            o->json = true;
        else if (!strcmp(a, "-p") && has) {
            if (!parse_list(a, argv[++i], o->pp, &o->n_pp, 1 << 20)) return CLI_USAGE;
        } else if (!strcmp(a, "-T") && has) {
            if (!parse_list(a, argv[++i], o->threads, &o->n_threads, 1024)) return CLI_USAGE;
        } else if (!strcmp(a, "-n") && has) {
            if (!cli_parse_long(a, argv[++i], &o->tg) || o->tg < 0) return CLI_USAGE;
        } else if (!strcmp(a, "-b") && has) {
            if (!cli_parse_long(a, argv[++i], &o->batch) || o->batch < 0 || o->batch > 4096) return CLI_USAGE;
        } else if (!strcmp(a, "-r") && has) {
            if (!cli_parse_long(a, argv[++i], &o->repeat) || o->repeat < 1 || o->repeat > 100) return CLI_USAGE;
        } else if (a[0] != '-' && !o->path)
            o->path = a;
        else {
            cli_error("bench: unexpected argument '%s'", a);
            return CLI_USAGE;
        }
    }
    if (!o->path) {
        cli_error("bench: missing MODEL");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* ---- read bandwidth ---- */

typedef struct sum_job {
    const uint64_t *words;
    uint64_t total; /* kept, so the reads are not optimised away */
    size_t n;
} sum_job;

static void sum_share(void *ctx, size_t begin, size_t end)
{
    sum_job *j = ctx;
    uint64_t acc[8] = {0};
    for (size_t i = begin * 8; i < end * 8; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += j->words[i + k];
    uint64_t sum = acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
    __atomic_fetch_add(&j->total, sum, __ATOMIC_RELAXED);
}

/* GB/s of streaming reads over a buffer far larger than the caches, on the
 * threads in use: the best of three passes. */
static double read_bandwidth(void)
{
    const size_t bytes = (size_t)256 << 20;
    sum_job j = {plat_alloc(bytes), 0, bytes / 64};
    if (!j.words) return 0.0;
    /* written first: untouched zero pages all map to one physical page, which reads from cache */
    uint64_t *w = (uint64_t *)j.words;
    for (size_t i = 0; i < bytes / 8; i++) w[i] = i * 0x9e3779b97f4a7c15ull;
    double best = 0.0;
    for (int pass = 0; pass < 4; pass++) {
        uint64_t t0 = plat_now_us();
        plat_parallel_for(j.n, 4096, sum_share, &j);
        uint64_t us = plat_now_us() - t0;
        if (pass > 0 && us > 0 && bytes / (double)us / 1e3 > best) best = bytes / (double)us / 1e3;
    }
    plat_free((void *)j.words);
    return best;
}

/* ---- the tests ---- */

/* Seconds to feed n tokens from an empty history (a fixed, vocabulary-wide
 * id sequence: the work does not depend on the ids). */
static double time_pp(llmbm_session *s, const int32_t *ids, uint32_t n, llmbm_err *err)
{
    llmbm_session_reset(s);
    uint64_t t0 = plat_now_us();
    if (llmbm_session_feed(s, ids, n, err)) return -1.0;
    return (double)(plat_now_us() - t0) / 1e6;
}

/* Seconds to decode n tokens greedily after BOS (the first pass included). */
static double time_tg(llmbm_session *s, llmbm_sampler *greedy, uint32_t n, llmbm_err *err)
{
    llmbm_session_reset(s);
    int32_t bos = LLMBM_TOKEN_BOS;
    if (llmbm_session_append(s, &bos, 1, err)) return -1.0;
    uint64_t t0 = plat_now_us();
    for (uint32_t i = 0; i < n; i++) {
        int32_t tok;
        if (llmbm_session_step(s, greedy, &tok, err) != LLMBM_STEP_TOKEN) {
            if (!err->msg[0]) llmbm_fail(err, "decoding stopped after %u tokens", i);
            return -1.0;
        }
    }
    if (llmbm_session_eval(s, err)) return -1.0;
    return (double)(plat_now_us() - t0) / 1e6;
}

static void print_row(const bench_opts *o, const llmbm_model *m, unsigned threads, const char *test, uint32_t n,
                      double secs, double bytes_per_token, double bandwidth)
{
    double tps = secs > 0 ? n / secs : 0.0, gbps = tps * bytes_per_token / 1e9;
    double pct = bandwidth > 0 ? 100.0 * gbps / bandwidth : 0.0;
    if (o->json)
        printf("{\"model\": \"%s\", \"threads\": %u, \"test\": \"%s%u\", \"tokens\": %u, \"seconds\": %.6f, "
               "\"tokens_per_s\": %.3f, \"weight_gbps\": %.3f, \"read_gbps\": %.3f, \"pct_of_read\": %.1f}\n",
               m->path, threads, test, n, n, secs, tps, gbps, bandwidth, pct);
    else
        printf("| %7u | %5s%-6u | %10.2f | %8.2f | %9.1f%% |\n", threads, test, n, tps, gbps, pct);
}

int cmd_bench(int argc, char **argv)
{
    bench_opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    llmbm_model model;
    llmbm_err err = {{0}};
    if (!cli_load_model(o.path, &model)) return CLI_ERROR;
    uint32_t ctx = (uint32_t)o.tg + 1;
    for (int i = 0; i < o.n_pp; i++)
        if (o.pp[i] > ctx) ctx = (uint32_t)o.pp[i];
    if (ctx > model.config.seq_len) {
        cli_error("bench: %u positions exceed %s's context of %u", ctx, o.path, model.config.seq_len);
        llmbm_model_free(&model);
        return CLI_USAGE;
    }
    llmbm_run_params params = {ctx, (uint32_t)o.batch, false, cli_kv_type};
    llmbm_session s;
    llmbm_sampler greedy;
    llmbm_sampler_params sp = llmbm_sampler_defaults();
    sp.temperature = 0.0f;
    int32_t *ids = malloc((size_t)ctx * sizeof *ids);
    rc = CLI_ERROR;
    if (!ids || llmbm_session_open(&s, &model, NULL, &params, &err)) {
        cli_error("%s", ids ? err.msg : "out of memory");
        free(ids);
        llmbm_model_free(&model);
        return CLI_ERROR;
    }
    if (llmbm_sampler_init(&greedy, model.config.vocab_size, &sp, &err)) goto out;
    for (uint32_t i = 0; i < ctx; i++) ids[i] = (int32_t)((1 + (uint64_t)i * 7919) % model.config.vocab_size);
    double weights = (double)llmbm_model_decode_bytes(&model);
    if (!o.json) {
        printf("%s: %s, %.1f MiB of weights, batch %u\n", o.path, llmbm_isa_name(), weights / 1048576.0, s.tf.batch);
        printf("| threads | test        |      tok/s | GB/s     | of read bw |\n");
        printf("| ------: | ----------- | ---------: | -------: | ---------: |\n");
    }
    for (int ti = 0; ti < o.n_threads; ti++) {
        host_set_threads((unsigned)o.threads[ti]);
        unsigned threads = host_get_threads();
        double bw = read_bandwidth();
        for (int pi = 0; pi < o.n_pp; pi++) {
            uint32_t n = (uint32_t)o.pp[pi];
            if (n == 0) continue;
            double best = 0.0;
            for (long long r = 0; r < o.repeat; r++) {
                double t = time_pp(&s, ids, n, &err);
                if (t < 0) goto fail;
                if (best == 0.0 || t < best) best = t;
            }
            /* a prompt streams the weights once per batch */
            uint32_t passes = (n + s.tf.batch - 1) / s.tf.batch;
            print_row(&o, &model, threads, "pp", n, best, weights * passes / n, bw);
        }
        if (o.tg > 0) {
            double best = 0.0;
            for (long long r = 0; r < o.repeat; r++) {
                double t = time_tg(&s, &greedy, (uint32_t)o.tg, &err);
                if (t < 0) goto fail;
                if (best == 0.0 || t < best) best = t;
            }
            print_row(&o, &model, threads, "tg", (uint32_t)o.tg, best, weights, bw);
        }
    }
    rc = CLI_OK;
    goto done;
fail:
    cli_error("%s", err.msg);
done:
    llmbm_sampler_free(&greedy);
out:
    llmbm_session_close(&s);
    free(ids);
    llmbm_model_free(&model);
    return rc;
}
