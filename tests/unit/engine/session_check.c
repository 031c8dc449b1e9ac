/* Checks of the engine session on a real model file, driven by
 * tests/python/test_session.py (which finds the models and tokenizes text):
 *
 *   session_check batch MODEL ID...   the logits of every position, fed in
 *       batches of 1, 3, 7 and 32: exit 0 when all are bit-identical to
 *       batch 1's (memcmp), else a line naming the first difference.
 *   session_check shift MODEL KEEP DROP N ID...   feeds the ids, drops
 *       ids[KEEP..KEEP+DROP) with llmbm_session_drop (a RoPE shift of the
 *       kept cache) and compares the first layer's cache with a fresh
 *       session fed the ids without the dropped span: its keys depend only
 *       on the token and the position, so the shifted keys must equal the
 *       fresh ones up to rounding (relative 1e-5) and the values exactly;
 *       exit 0 when they do. Deeper layers differ by design: the kept tokens
 *       were computed while the dropped ones were in view (llama.cpp's
 *       context shift is the same approximation). It then decodes N greedy
 *       tokens from both and prints the two sequences and the largest logit
 *       difference at the first step, for the record.
 * LLMBM_CHECK_ISA=LEVEL forces a kernel level (else the measured one);
 * LLMBM_CHECK_KV=TYPE the KV cache type of both checks (default f32). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eng_session.h"
#include "isa.h"
#include "kernels_api.h"
#include "model.h"
#include "model_prepare.h"
#include "platform.h"

typedef struct capture {
    float *rows;
    uint32_t vocab;
} capture;

static void keep_logits(void *ctx, uint32_t pos, const float *logits)
{
    capture *c = ctx;
    memcpy(c->rows + (size_t)pos * c->vocab, logits, c->vocab * sizeof(float));
}

static int fail(const char *what, const llmbm_err *err)
{
    fprintf(stderr, "session_check: %s: %s\n", what, err ? err->msg : "");
    return 1;
}

/* LLMBM_CHECK_KV's cache type (f32 when unset); -1 for an unknown name. */
static int env_kv_type(llmbm_kv_type *kv)
{
    const char *kv_name = getenv("LLMBM_CHECK_KV");
    *kv = LLMBM_KV_F32;
    if (kv_name && llmbm_kv_type_parse(kv_name, kv)) {
        fail(kv_name, NULL);
        return -1;
    }
    return 0;
}

static float *all_logits(const llmbm_model *m, const int32_t *ids, uint32_t n, uint32_t batch)
{
    llmbm_run_params p = {n, batch, true, LLMBM_KV_F32};
    if (env_kv_type(&p.kv_type)) return NULL;
    llmbm_session s;
    llmbm_err err;
    capture c = {malloc((size_t)n * m->config.vocab_size * sizeof(float)), m->config.vocab_size};
    if (!c.rows || llmbm_session_open(&s, m, NULL, &p, &err)) {
        free(c.rows);
        return NULL;
    }
    s.on_logits = keep_logits;
    s.hook_ctx = &c;
    int r = llmbm_session_feed(&s, ids, n, &err);
    llmbm_session_close(&s);
    if (r) {
        free(c.rows);
        return NULL;
    }
    return c.rows;
}

static int check_batches(const llmbm_model *m, const int32_t *ids, uint32_t n)
{
    float *one = all_logits(m, ids, n, 1);
    if (!one) return fail("feeding one token at a time", NULL);
    static const uint32_t batches[] = {3, 7, 32};
    int bad = 0;
    for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++) {
        float *got = all_logits(m, ids, n, batches[b]);
        if (!got) return fail("feeding in batches", NULL);
        for (uint32_t pos = 0; pos < n; pos++) {
            size_t row = (size_t)pos * m->config.vocab_size;
            if (memcmp(one + row, got + row, m->config.vocab_size * sizeof(float))) {
                printf("batch %u: position %u differs from one token at a time\n", batches[b], pos);
                bad = 1;
                break;
            }
        }
        free(got);
    }
    free(one);
    if (!bad) printf("batches 3, 7, 32: all %u positions bit-identical to batch 1\n", n);
    return bad;
}

static int greedy(llmbm_session *s, uint32_t n, int32_t *out, float *first_logits)
{
    llmbm_sampler_params sp = llmbm_sampler_defaults();
    sp.temperature = 0.0f;
    llmbm_sampler sampler;
    llmbm_err err;
    if (llmbm_sampler_init(&sampler, s->tf.model->config.vocab_size, &sp, &err)) return fail("sampler", &err);
    for (uint32_t i = 0; i < n; i++) {
        if (llmbm_session_eval(s, &err)) return fail("eval", &err);
        if (i == 0) memcpy(first_logits, s->logits, s->tf.model->config.vocab_size * sizeof(float));
        int32_t tok;
        if (llmbm_session_step(s, &sampler, &tok, &err) != LLMBM_STEP_TOKEN) return fail("step", &err);
        out[i] = tok;
    }
    llmbm_sampler_free(&sampler);
    return 0;
}

static int check_shift(const llmbm_model *m, const int32_t *ids, uint32_t n, uint32_t keep, uint32_t drop,
                       uint32_t steps)
{
    uint32_t vocab = m->config.vocab_size;
    llmbm_kv_type kv;
    if (env_kv_type(&kv)) return 1;
    llmbm_run_params p = {n + steps + 1, 0, false, kv};
    llmbm_session a, b;
    llmbm_err err;
    int32_t *seq_a = malloc(steps * sizeof *seq_a), *seq_b = malloc(steps * sizeof *seq_b);
    int32_t *kept = malloc(n * sizeof *kept);
    float *la = malloc(vocab * sizeof *la), *lb = malloc(vocab * sizeof *lb);
    if (!seq_a || !seq_b || !kept || !la || !lb) return fail("out of memory", NULL);
    if (llmbm_session_open(&a, m, NULL, &p, &err) || llmbm_session_open(&b, m, NULL, &p, &err))
        return fail("open", &err);
    if (llmbm_session_feed(&a, ids, n, &err)) return fail("feed", &err);
    uint64_t t0 = plat_now_us();
    if (llmbm_session_drop(&a, keep, drop, &err)) return fail("drop", &err);
    uint64_t shift_us = plat_now_us() - t0;
    uint32_t nk = 0;
    for (uint32_t i = 0; i < n; i++)
        if (i < keep || i >= keep + drop) kept[nk++] = ids[i];
    if (llmbm_session_feed(&b, kept, nk, &err)) return fail("fresh feed", &err);
    /* layer 0: the shifted cache against the fresh one, as floats */
    size_t kv_dim = (size_t)m->config.n_kv_heads * m->config.head_size;
    llmbm_dequantize_row_fn load = llmbm_kernel_dequantize_row(llmbm_isa_table(), a.tf.kv_elem);
    float *ka = malloc(kv_dim * sizeof *ka), *kb = malloc(kv_dim * sizeof *kb);
    if (!load || !ka || !kb) return fail("no dequantizer for the cache type", NULL);
    float kdiff = 0.0f, kmax = 0.0f;
    for (uint32_t pos = 0; pos < nk; pos++) {
        load(a.tf.key_cache + pos * a.tf.kv_row_bytes, ka, kv_dim);
        load(b.tf.key_cache + pos * b.tf.kv_row_bytes, kb, kv_dim);
        for (size_t i = 0; i < kv_dim; i++) {
            if (fabsf(ka[i] - kb[i]) > kdiff) kdiff = fabsf(ka[i] - kb[i]);
            if (fabsf(kb[i]) > kmax) kmax = fabsf(kb[i]);
        }
    }
    free(ka), free(kb);
    int values_same = memcmp(a.tf.value_cache, b.tf.value_cache, nk * a.tf.kv_row_bytes) == 0;
    /* f32: rounding of the rotation; f16 and q8_0: one more rounding to the type */
    float tol = a.tf.kv_type == LLMBM_KV_F32 ? 1e-5f : a.tf.kv_type == LLMBM_KV_F16 ? 2e-3f : 2e-2f;
    int keys_ok = kdiff <= tol * kmax;
    printf("layer 0 after the shift (%s cache): keys differ by at most %.3g (largest key %.3g, bound %.3g): %s; "
           "values %s\n",
           llmbm_kv_type_name(a.tf.kv_type), (double)kdiff, (double)kmax, (double)(tol * kmax),
           keys_ok ? "ok" : "WRONG", values_same ? "identical" : "DIFFER");
    if (greedy(&a, steps, seq_a, la)) return 1;
    if (greedy(&b, steps, seq_b, lb)) return 1;
    float diff = 0.0f, top = 0.0f;
    for (uint32_t v = 0; v < vocab; v++) {
        if (fabsf(la[v] - lb[v]) > diff) diff = fabsf(la[v] - lb[v]);
        if (fabsf(lb[v]) > top) top = fabsf(lb[v]);
    }
    int same = memcmp(seq_a, seq_b, steps * sizeof *seq_a) == 0;
    printf("shift of %u positions (%u kept after them) in %llu us; largest first-step logit difference %.6g "
           "(largest logit %.6g)\nshifted:",
           drop, n - keep - drop, (unsigned long long)shift_us, (double)diff, (double)top);
    for (uint32_t i = 0; i < steps; i++) printf(" %d", (int)seq_a[i]);
    printf("\nfresh:  ");
    for (uint32_t i = 0; i < steps; i++) printf(" %d", (int)seq_b[i]);
    printf("\n%s\n", same ? "same greedy tokens" : "greedy tokens differ");
    same = keys_ok && values_same;
    llmbm_session_close(&a);
    llmbm_session_close(&b);
    free(seq_a), free(seq_b), free(kept), free(la), free(lb);
    return !same;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: session_check batch MODEL ID... | shift MODEL KEEP DROP N ID...\n");
        return 2;
    }
    bool shift = !strcmp(argv[1], "shift");
    int first_id = shift ? 6 : 3;
    if (argc <= first_id) return fail("no token ids", NULL);
    llmbm_model m;
    llmbm_err err;
    const char *isa = getenv("LLMBM_CHECK_ISA");
    if (isa && llmbm_isa_set(isa, &err)) return fail(isa, &err);
    if (llmbm_model_read(&m, argv[2], &err)) return fail(argv[2], &err);
    llmbm_prepared prep;
    llmbm_model_prepare(&m, &prep);
    printf("%s\n", prep.kernels);
    uint32_t n = (uint32_t)(argc - first_id);
    int32_t *ids = malloc(n * sizeof *ids);
    for (uint32_t i = 0; i < n; i++) ids[i] = (int32_t)atoi(argv[first_id + i]);
    int rc = shift ? check_shift(&m, ids, n, (uint32_t)atoi(argv[3]), (uint32_t)atoi(argv[4]), (uint32_t)atoi(argv[5]))
                   : check_batches(&m, ids, n);
    free(ids);
    llmbm_model_free(&m);
    return rc;
}
