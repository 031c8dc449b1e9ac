/* See isa_autotune.h. */
#include "isa_autotune.h"

#include "kernels_api.h"
#include "model_layout.h"
#include "platform.h"

_Static_assert(LLMBM_ISA_COUNT <= LLMBM_AUTOTUNE_MAX_LEVELS, "LLMBM_AUTOTUNE_MAX_LEVELS too small");

#define TEST_ELEMENTS 32768u /* per test mat-vec: ~20-35 KB of weights, in L1/L2 */
#define ROUND_US 100u        /* a round repeats the mat-vec for at least this long */
#define ROUNDS 3             /* best of */
#define MAX_KERNELS 24       /* distinct (mat-vec, quantizer, layout) triples timed */

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
    bool any;        /* a matrix depends on the level */
    bool failed;     /* out of memory, or a kernel missing */
} tune_ctx;

/* Picoseconds per element of one mat-vec of `layout` with rows of `cols`
 * at level k (quantizing the activation included), or a negative number
 * without memory. */
static double time_matvec(const llmbm_kernel_table *k, llmbm_type layout, uint32_t cols) {
    uint32_t rows = TEST_ELEMENTS / cols / LLMBM_X16_ROWS * LLMBM_X16_ROWS;
    if (rows < LLMBM_X16_ROWS) rows = LLMBM_X16_ROWS;
    size_t bytes = (size_t)rows * llmbm_row_bytes(layout, cols);
    uint8_t *data = plat_alloc(bytes);
    float *x = plat_alloc((size_t)cols * sizeof(float)), *out = plat_alloc((size_t)rows * sizeof(float));
    void *act = plat_alloc(llmbm_act_bytes(layout, cols) + 64);
    double result = -1.0;
    llmbm_matvec_rows_fn matvec = llmbm_kernel_matvec_rows(k, layout);
    if (data && x && out && act && matvec) {
        /* 0x3c everywhere: fp16 scales of ~1.06 (bf16 ~0.01), mid-range
         * quants; no NaN, infinity or subnormal to take a slow path. */
        eng_memset(data, 0x3c, bytes);
        for (uint32_t i = 0; i < cols; i++) x[i] = (float)((int)(i * 37u % 17u) - 8) * 0.125f;
        const llmbm_weight w = {.type = layout, .rows = rows, .cols = cols, .data = data};
        double best_ps = -1.0;
        for (int round = 0; round < ROUNDS; round++) {
            uint64_t t0 = plat_now_us(), us = 0, n = 0;
            do {
                const void *xa = llmbm_kernels_prepare_act(k, layout, x, act, cols);
                if (!xa) break;
                matvec(&w, xa, out, 0, rows);
                n++;
                us = plat_now_us() - t0;
            } while (us < ROUND_US);
            if (!n) break;
            double ps = (double)us * 1e6 / (double)n;
            if (best_ps < 0 || ps < best_ps) best_ps = ps;
        }
        if (best_ps >= 0) result = best_ps / ((double)rows * cols);
    }
    plat_free(act);
    plat_free(out);
    plat_free(x);
    plat_free(data);
    return result;
}

/* Adds w's share of a token, computed as `layout`, to the level's estimate. */
static void add_weight(tune_ctx *c, const llmbm_weight *w, llmbm_type layout) {
    if (c->failed || w->type == LLMBM_F32 || w->type == LLMBM_AK42_Q8) return;
    c->any = true;
    const llmbm_type_traits *tr = llmbm_type_traits_of(layout);
    llmbm_matvec_rows_fn matvec = llmbm_kernel_matvec_rows(c->k, layout);
    llmbm_quantize_row_fn quantize = tr->vec_dot_type == LLMBM_F32 ? 0 : llmbm_kernel_quantize_row(c->k, tr->vec_dot_type);
    timed_kernel *t = 0;
    for (unsigned i = 0; i < c->n_timed && !t; i++)
        if (c->timed[i].matvec == matvec && c->timed[i].quantize == quantize && c->timed[i].layout == layout)
            t = &c->timed[i];
    if (!t) {
        if (c->n_timed == MAX_KERNELS) {
            c->failed = true;
            return;
        }
        /* rows of the first matrix met: the model's dim or hidden size */
        double ps = time_matvec(c->k, layout, w->cols);
        if (ps < 0) {
            c->failed = true;
            return;
        }
        t = &c->timed[c->n_timed++];
        *t = (timed_kernel){matvec, quantize, layout, ps};
    }
    c->token_ps += t->ps_per_element * w->rows * w->cols;
}

static void add_matrix(void *ctx, llmbm_weight *w) {
    tune_ctx *c = ctx;
    if (w->type != LLMBM_F32 && w->type != LLMBM_AK42_Q8)
        add_weight(c, w, llmbm_matrix_layout(c->k, llmbm_layout_base(w->type), w->rows));
}

bool llmbm_autotune_measure(llmbm_model *m, llmbm_autotune *out) {
    eng_memset(out, 0, sizeof *out);
    uint64_t t0 = plat_now_us();
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    /* static: about 1 KB, and the engine never measures on two cores */
    static tune_ctx c;
    c.n_timed = 0;
    for (int l = 0; l < (int)LLMBM_ISA_COUNT; l++) {
        const llmbm_kernel_table *k = llmbm_kernels_select((llmbm_isa_level)l);
        if (!k || !llmbm_isa_level_supported((llmbm_isa_level)l, &cpu)) continue;
        c.k = k;
        c.token_ps = 0;
        c.any = c.failed = false;
        llmbm_model_for_each_matvec(m, add_matrix, &c);
        /* A classifier sharing the embedding's bytes keeps its layout (read
         * a row at a time too) at every level, yet is a mat-vec per token. */
        if (m->classifier.data && m->classifier.data == m->token_embedding.data)
            add_weight(&c, &m->classifier, m->classifier.type);
        if (!c.any) {
            out->not_measured = "this model's matrices are f32 or int8 (llama2.c), which the engine's own loops "
                                "compute the same at every level";
            break;
        }
        if (c.failed) {
            out->not_measured = "no memory for the test matrices";
            break;
        }
        unsigned i = out->n_levels++;
        out->level[i] = l;
        out->name[i] = k->name;
        out->token_ms[i] = c.token_ps / 1e9;
        if (out->token_ms[i] < out->token_ms[out->fastest]) out->fastest = i;
    }
    out->kernels_timed = c.n_timed;
    out->cost_us = plat_now_us() - t0;
    if (out->not_measured) out->n_levels = 0;
    return out->n_levels > 0;
}
