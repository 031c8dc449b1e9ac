/* See isa_autotune.h. */
#include "isa_autotune.h"

#include "kernels_api.h"
#include "model_layout.h"
#include "platform.h"

_Static_assert(LLMBM_ISA_COUNT <= LLMBM_AUTOTUNE_MAX_LEVELS, "LLMBM_AUTOTUNE_MAX_LEVELS too small");

#define TEST_ELEMENTS 32768u /* per test mat-vec: ~20-35 KB of weights, in L1/L2 */
#define ROUND_US      100u   /* a round repeats the mat-vec for at least this long */
#define ROUNDS        3      /* best of */
#define SLOW_PROBE_US 2000u  /* ... or of 2 when those took this long */
#define MAX_KERNELS   48     /* (mat-vec, quantizer, layout) triples remembered: 8 types x 5 levels, and more */

/* One timed kernel. Levels without a kernel of their own for a type carry a
 * lower level's function pointers, so the pointers identify what ran. */
typedef struct timed_kernel {
    llmbm_matvec_rows_fn matvec;
    llmbm_quantize_row_fn quantize;
    llmbm_type layout;
    double ps_per_element;
} timed_kernel;

typedef struct tune_ctx {
    const llmbm_kernel_table *k;
    timed_kernel timed[MAX_KERNELS];
    unsigned n_timed;
    double token_ps; /* this level's estimate so far */
    bool failed;     /* out of memory, or a kernel missing */
} tune_ctx;

/* Best of ROUNDS rounds, in picoseconds per call of fn(ctx): a round calls
 * it until ROUND_US have passed (at least once). A probe so slow that two
 * rounds took SLOW_PROBE_US (an emulated level: one call a round, the first
 * paying for the translation) stops there. */
typedef void (*probe_fn)(void *ctx);
static double best_ps(probe_fn fn, void *ctx)
{
    double best = -1.0;
    uint64_t start = plat_now_us();
    for (int round = 0; round < ROUNDS && !(round >= 2 && plat_now_us() - start > SLOW_PROBE_US); round++) {
        uint64_t t0 = plat_now_us(), us = 0, n = 0;
        do {
            fn(ctx);
            n++;
            us = plat_now_us() - t0;
        } while (us < ROUND_US);
        double ps = (double)us * 1e6 / (double)n;
        if (best < 0 || ps < best) best = ps;
    }
    return best;
}

typedef struct matvec_probe {
    const llmbm_kernel_table *k;
    llmbm_matvec_rows_fn matvec;
    llmbm_weight w;
    const float *x;
    void *act;
    float *out;
} matvec_probe;

static void one_matvec(void *ctx)
{
    matvec_probe *p = ctx;
    /* the activation is quantized per mat-vec in a forward pass too */
    const void *xa = llmbm_kernels_prepare_act(p->k, p->w.type, p->x, p->act, p->w.cols);
    p->matvec(&p->w, xa, p->out, 0, p->w.rows);
}

/* Picoseconds per element of one mat-vec of `layout` with rows of `cols`
 * at level k (quantizing the activation included), or a negative number
 * without memory. */
static double time_matvec(const llmbm_kernel_table *k, llmbm_type layout, uint32_t cols)
{
    uint32_t rows = TEST_ELEMENTS / cols / LLMBM_X16_ROWS * LLMBM_X16_ROWS;
    if (rows < LLMBM_X16_ROWS) rows = LLMBM_X16_ROWS;
    size_t bytes = (size_t)rows * llmbm_row_bytes(layout, cols);
    uint8_t *data = plat_alloc(bytes);
    float *x = plat_alloc((size_t)cols * sizeof(float));
    void *act = plat_alloc(llmbm_act_bytes(layout, cols) + 64);
    float *out = plat_alloc((size_t)rows * sizeof(float));
    matvec_probe p = {k,  llmbm_kernel_matvec_rows(k, layout), {.type = layout, .rows = rows, .cols = cols}, x, act,
                      out};
    double result = -1.0;
    if (data && x && act && out && p.matvec &&
        (llmbm_type_traits_of(layout)->vec_dot_type == LLMBM_F32 ||
         llmbm_kernels_prepare_act(k, layout, x, act, cols))) {
        /* 0x3c everywhere: fp16 scales of ~1.06 (bf16 ~0.01), mid-range
         * quants; no NaN, infinity or subnormal to take a slow path. */
        eng_memset(data, 0x3c, bytes);
        for (uint32_t i = 0; i < cols; i++) x[i] = (float)((int)(i * 37u % 17u) - 8) * 0.125f;
        p.w.data = data;
        result = best_ps(one_matvec, &p) / ((double)rows * cols);
    }
    plat_free(out);
    plat_free(act);
    plat_free(x);
    plat_free(data);
    return result;
}

/* Adds w's share of a token, computed as `layout`, to the level's estimate. */
static void add_weight(tune_ctx *c, const llmbm_weight *w, llmbm_type layout)
{
    if (c->failed || w->type == LLMBM_AK42_Q8) return;
    const llmbm_type_traits *tr = llmbm_type_traits_of(layout);
    llmbm_matvec_rows_fn matvec = llmbm_kernel_matvec_rows(c->k, layout);
    llmbm_quantize_row_fn quantize =
        tr->vec_dot_type == LLMBM_F32 ? 0 : llmbm_kernel_quantize_row(c->k, tr->vec_dot_type);
    timed_kernel *t = 0;
    for (unsigned i = 0; i < c->n_timed && !t; i++)
        if (c->timed[i].matvec == matvec && c->timed[i].quantize == quantize && c->timed[i].layout == layout)
            t = &c->timed[i];
    double ps = t ? t->ps_per_element : -1.0;
    if (!t) {
        /* rows of the first matrix met: the model's dim or hidden size */
        ps = time_matvec(c->k, layout, w->cols);
        if (ps < 0) {
            c->failed = true;
            return;
        }
        /* (a full table only costs timing this kernel again for the next matrix) */
        if (c->n_timed < MAX_KERNELS) c->timed[c->n_timed++] = (timed_kernel){matvec, quantize, layout, ps};
    }
    c->token_ps += ps * w->rows * w->cols;
}

static void add_matrix(void *ctx, llmbm_weight *w)
{
    tune_ctx *c = ctx;
    if (w->type != LLMBM_AK42_Q8)
        add_weight(c, w, llmbm_kernels_matrix_layout(c->k, llmbm_layout_base(w->type), w->rows));
}

/* ---- the rest of a token: attention and the element-wise loops ---------- */

/* Attention is timed over this many positions: a short conversation's. */
#define NOMINAL_POSITIONS 128u
/* The vocabulary's softmax is timed on at most this many logits and scaled
 * (it is linear in n): a 150K vocabulary would cost milliseconds per round. */
#define SOFTMAX_PROBE     8192u

/* The level's attention, softmax, SiLU and RMSNorm kernels (slot F32);
 * levels carrying a lower level's share its timing. */
typedef struct timed_rest {
    llmbm_attn_scores_fn scores;
    llmbm_attn_accum_fn accum;
    llmbm_softmax_fn softmax;
    llmbm_silu_mul_fn silu_mul;
    llmbm_rms_scale_fn rms_scale;
    double token_ps;
} timed_rest;

typedef struct rest_probe {
    timed_rest fns;
    uint32_t dim, hidden, heads, head_size, vocab, n_t;
    float *x, *o, *weight, *hb, *hb2, *hb_init, *q, *kv, *att, *head_out, *logits;
} rest_probe;

/* What one layer does besides its mat-vecs. */
static void one_layer(void *ctx)
{
    rest_probe *p = ctx;
    p->fns.rms_scale(p->o, p->x, p->weight, 0.5f, p->dim);
    for (uint32_t h = 0; h < p->heads; h++) {
        p->fns.scores(p->att, p->q, p->kv, p->head_size, p->head_size, p->n_t, 8.0f);
        p->fns.softmax(p->att, p->n_t);
        p->fns.accum(p->head_out, p->att, p->kv, p->head_size, p->head_size, p->n_t);
    }
    p->fns.rms_scale(p->o, p->x, p->weight, 0.5f, p->dim);
    /* from the same input each time: SiLU applied to its own output would
     * drift into subnormals, which the kernels redo in scalar code */
    eng_memcpy(p->hb, p->hb_init, (size_t)p->hidden * sizeof(float));
    p->fns.silu_mul(p->hb, p->hb2, p->hidden);
}

/* Sampling at a temperature: a softmax over the vocabulary. */
static void vocab_softmax(void *ctx)
{
    rest_probe *p = ctx;
    p->fns.softmax(p->logits, p->vocab < SOFTMAX_PROBE ? p->vocab : SOFTMAX_PROBE);
}

static void fill(float *v, uint32_t n, uint32_t mul, uint32_t mod, float scale, float offset)
{
    for (uint32_t i = 0; i < n; i++) v[i] = offset + (float)((int)(i * mul % mod) - (int)(mod / 2)) * scale;
}

/* Picoseconds of one token's attention (at NOMINAL_POSITIONS) and
 * element-wise work at level k, or a negative number without memory. */
static double time_rest(const llmbm_kernel_table *k, const llmbm_config *c)
{
    rest_probe p = {
        {llmbm_kernel_attn_scores(k, LLMBM_F32), llmbm_kernel_attn_accum(k, LLMBM_F32),
         llmbm_kernel_softmax(k, LLMBM_F32), llmbm_kernel_silu_mul(k, LLMBM_F32), llmbm_kernel_rms_scale(k, LLMBM_F32),
         0},
        c->dim,
        c->hidden_dim,
        c->n_heads,
        c->head_size,
        c->vocab_size,
        c->seq_len < NOMINAL_POSITIONS ? c->seq_len : NOMINAL_POSITIONS,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    };
    float **bufs[] = {&p.x, &p.o, &p.weight, &p.hb, &p.hb2, &p.hb_init, &p.q, &p.kv, &p.att, &p.head_out, &p.logits};
    const uint32_t sizes[] = {p.dim,
                              p.dim,
                              p.dim,
                              p.hidden,
                              p.hidden,
                              p.hidden,
                              p.head_size,
                              p.n_t * p.head_size,
                              p.n_t,
                              p.head_size,
                              p.vocab < SOFTMAX_PROBE ? p.vocab : SOFTMAX_PROBE};
    bool ok = p.fns.scores && p.fns.accum && p.fns.softmax && p.fns.silu_mul && p.fns.rms_scale;
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        ok = (*bufs[i] = plat_alloc((size_t)sizes[i] * sizeof(float))) && ok;
    double result = -1.0;
    if (ok) {
        fill(p.x, p.dim, 37, 17, 0.125f, 0.0f);
        fill(p.weight, p.dim, 5, 7, 0.05f, 1.0f);
        fill(p.hb_init, p.hidden, 7, 9, 0.5f, 0.0f);
        fill(p.hb2, p.hidden, 5, 3, 0.25f, 0.75f);
        fill(p.q, p.head_size, 11, 13, 0.1f, 0.0f);
        fill(p.kv, p.n_t * p.head_size, 13, 11, 0.1f, 0.0f);
        fill(p.logits, p.vocab < SOFTMAX_PROBE ? p.vocab : SOFTMAX_PROBE, 29, 23, 0.3f, 0.0f);
        double vocab_scale = p.vocab < SOFTMAX_PROBE ? 1.0 : (double)p.vocab / SOFTMAX_PROBE;
        result = best_ps(one_layer, &p) * c->n_layers + best_ps(vocab_softmax, &p) * vocab_scale;
    }
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) plat_free(*bufs[i]);
    return result;
}

/* The level's rest-of-token time, from a level that shares its kernels if
 * one was timed already. */
static double rest_ps(const llmbm_kernel_table *k, const llmbm_config *c, timed_rest *timed, unsigned *n_timed)
{
    const timed_rest fns = {llmbm_kernel_attn_scores(k, LLMBM_F32), llmbm_kernel_attn_accum(k, LLMBM_F32),
                            llmbm_kernel_softmax(k, LLMBM_F32),     llmbm_kernel_silu_mul(k, LLMBM_F32),
                            llmbm_kernel_rms_scale(k, LLMBM_F32),   0};
    for (unsigned i = 0; i < *n_timed; i++)
        if (timed[i].scores == fns.scores && timed[i].accum == fns.accum && timed[i].softmax == fns.softmax &&
            timed[i].silu_mul == fns.silu_mul && timed[i].rms_scale == fns.rms_scale)
            return timed[i].token_ps;
    double ps = time_rest(k, c);
    if (ps >= 0) {
        timed[*n_timed] = fns;
        timed[(*n_timed)++].token_ps = ps;
    }
    return ps;
}

bool llmbm_autotune_measure(llmbm_model *m, llmbm_autotune *out)
{
    eng_memset(out, 0, sizeof *out);
    uint64_t t0 = plat_now_us();
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    /* static: about 1.5 KB, and the engine never measures on two cores */
    static tune_ctx c;
    c.n_timed = 0;
    timed_rest rest[LLMBM_ISA_COUNT];
    unsigned n_rest = 0;
    for (int l = 0; l < (int)LLMBM_ISA_COUNT; l++) {
        const llmbm_kernel_table *k = llmbm_kernels_select((llmbm_isa_level)l);
        if (!k || !llmbm_isa_level_supported((llmbm_isa_level)l, &cpu)) continue;
        c.k = k;
        c.token_ps = 0;
        c.failed = false;
        llmbm_model_for_each_matvec(m, add_matrix, &c);
        /* A classifier sharing the embedding's bytes keeps its layout (read
         * a row at a time too) at every level, yet is a mat-vec per token. */
        if (m->classifier.data && m->classifier.data == m->token_embedding.data)
            add_weight(&c, &m->classifier,
                       llmbm_layout_base(m->classifier.type) == LLMBM_F32
                           ? llmbm_kernels_matrix_layout(k, LLMBM_F32, m->classifier.rows) /* follows the layers' */
                           : m->classifier.type);
        double rest_time = c.failed ? -1.0 : rest_ps(k, &m->config, rest, &n_rest);
        if (c.failed || rest_time < 0) {
            out->not_measured = "no memory for the test data";
            break;
        }
        unsigned i = out->n_levels++;
        out->level[i] = l;
        out->name[i] = k->name;
        out->token_ms[i] = (c.token_ps + rest_time) / 1e9;
        if (out->token_ms[i] < out->token_ms[out->fastest]) out->fastest = i;
    }
    out->kernels_timed = c.n_timed + n_rest;
    out->cost_us = plat_now_us() - t0;
    if (out->not_measured) out->n_levels = 0;
    return out->n_levels > 0;
}
