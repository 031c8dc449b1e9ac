/* The matrices of a loaded model follow the kernel level: llmbm_model_relayout
 * gives each the layout llmbm_kernels_matrix_layout names for the level in use,
 * going back through the file's bytes when the level changes, so that after
 * any sequence of levels every matrix still holds exactly the file's rows;
 * and the measurement picks the level it estimated fastest. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "isa.h"
#include "isa_autotune.h"
#include "kernel_dispatch.h"
#include "kernels_api.h"
#include "model_layout.h"
#include "ops.h"
#include "platform.h"

enum { COLS = 256 };

typedef struct matrix_case {
    llmbm_type type;
    uint32_t rows;
} matrix_case;

/* wq, wk, wv, wo, w1, w2, w3, classifier: whole and partial 16-row groups
 * of both interleavable types, a type with no layout of its own, f32. */
static const matrix_case cases[8] = {
    {LLMBM_Q4_0, 32}, {LLMBM_Q4_0, 24}, {LLMBM_Q4_K, 32}, {LLMBM_Q4_K, 24},
    {LLMBM_Q8_0, 32}, {LLMBM_F32, 16},  {LLMBM_Q4_0, 16}, {LLMBM_Q4_0, 48},
};

static llmbm_weight *matrices(llmbm_model *m, llmbm_weight **out)
{
    llmbm_layer *L = &m->layers[0];
    llmbm_weight *ws[8] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w1, &L->w2, &L->w3, &m->classifier};
    memcpy(out, ws, sizeof ws);
    return out[0];
}

/* Every matrix has its level's layout and, converted back, the file's bytes. */
static void check_model(llmbm_model *m, uint8_t *const *original, const char *level)
{
    const llmbm_kernel_table *k = llmbm_isa_table();
    llmbm_weight *ws[8];
    matrices(m, ws);
    static uint8_t copy[48 * COLS * 4], scratch[16 * COLS * 4];
    for (int i = 0; i < 8; i++) {
        llmbm_weight *w = ws[i];
        llmbm_type want = llmbm_kernels_matrix_layout(k, cases[i].type, cases[i].rows);
        CHECK_MSG(w->type == want, "%s matrix %d: %s, want %s", level, i, llmbm_type_name(w->type),
                  llmbm_type_name(want));
        size_t bytes = llmbm_row_bytes(cases[i].type, COLS) * cases[i].rows;
        memcpy(copy, w->data, bytes);
        if (w->type != cases[i].type) llmbm_relayout_back(copy, w->rows, COLS, w->type, scratch);
        CHECK_MSG(memcmp(copy, original[i], bytes) == 0, "%s matrix %d: not the file's bytes", level, i);
    }
}

int main(void)
{
    const char *names[LLMBM_ISA_COUNT]; /* every level of the manifest, least capable first */
    for (int l = 0; l < LLMBM_ISA_COUNT; l++) names[l] = llmbm_isa_level_name((llmbm_isa_level)l);
    llmbm_model m;
    memset(&m, 0, sizeof m);
    m.config = (llmbm_config){.dim = COLS,
                              .hidden_dim = COLS,
                              .n_layers = 1,
                              .n_heads = 4,
                              .n_kv_heads = 4,
                              .head_size = 64,
                              .vocab_size = 512,
                              .seq_len = 64};
    m.layers = plat_alloc(sizeof(llmbm_layer));
    llmbm_weight *ws[8];
    matrices(&m, ws);
    uint8_t *original[8];
    srand(7);
    for (int i = 0; i < 8; i++) {
        size_t bytes = llmbm_row_bytes(cases[i].type, COLS) * cases[i].rows;
        uint8_t *data = plat_alloc(bytes);
        original[i] = malloc(bytes);
        for (size_t b = 0; b < bytes; b++) data[b] = (uint8_t)rand();
        if (cases[i].type == LLMBM_F32) /* finite floats */
            for (size_t f = 0; f < bytes / 4; f++) ((float *)data)[f] = (float)(rand() % 200 - 100) / 64.0f;
        memcpy(original[i], data, bytes);
        *ws[i] = (llmbm_weight){.type = cases[i].type, .rows = cases[i].rows, .cols = COLS, .data = data};
    }
    CHECK(llmbm_kernels_matrix_layout(llmbm_kernels_select(LLMBM_ISA_SCALAR), LLMBM_Q4_0, 32) == LLMBM_Q4_0P);
    CHECK(llmbm_kernels_matrix_layout(llmbm_kernels_select(LLMBM_ISA_SCALAR), LLMBM_Q4_K, 32) == LLMBM_Q4_K);

    /* every supported level up, down and up again: each change re-lays out */
    int order[3 * LLMBM_ISA_COUNT], n = 0;
    for (int i = 0; i < LLMBM_ISA_COUNT; i++) order[n++] = i;
    for (int i = LLMBM_ISA_COUNT - 2; i >= 0; i--) order[n++] = i;
    for (int i = 1; i < LLMBM_ISA_COUNT; i++) order[n++] = i;
    int supported = 0;
    for (int s = 0; s < n; s++) {
        llmbm_err err;
        if (llmbm_isa_set(names[order[s]], &err)) continue; /* not this CPU's */
        supported++;
        llmbm_model_relayout(&m);
        check_model(&m, original, names[order[s]]);
    }
    CHECK(supported >= 2 * 2 + 1); /* scalar and sse2 on every x86-64, each visited at least twice */

    /* an F32 classifier sharing the embedding's bytes (llama2.c's shared
     * weights) is interleaved with it, and the row lookup still returns the
     * file's rows; back at scalar both are plain F32 again */
    {
        enum { VOCAB = 48 };
        llmbm_model s;
        memset(&s, 0, sizeof s);
        s.config = m.config;
        float *emb = plat_alloc(VOCAB * COLS * 4), *orig = malloc(VOCAB * COLS * 4), row[COLS];
        for (size_t f = 0; f < VOCAB * COLS; f++) emb[f] = orig[f] = (float)(rand() % 2000 - 1000) / 256.0f;
        s.token_embedding = (llmbm_weight){.type = LLMBM_F32, .rows = VOCAB, .cols = COLS, .data = emb};
        s.classifier = s.token_embedding;
        int simd_levels = 0;
        for (int l = 1; l < LLMBM_ISA_COUNT; l++) {
            llmbm_err err;
            if (llmbm_isa_set(names[l], &err)) continue;
            simd_levels++;
            llmbm_model_relayout(&s);
            CHECK_MSG(s.token_embedding.type == LLMBM_F32X16 && s.classifier.type == LLMBM_F32X16,
                      "%s: shared f32 embedding is %s, classifier %s", names[l],
                      llmbm_type_name(s.token_embedding.type), llmbm_type_name(s.classifier.type));
            for (uint32_t r = 0; r < VOCAB; r++) {
                CHECK(llmbm_weight_row(row, &s.token_embedding, r) == 0);
                CHECK_MSG(memcmp(row, orig + (size_t)r * COLS, sizeof row) == 0, "%s: embedding row %u", names[l], r);
            }
        }
        CHECK(simd_levels >= 1);
        llmbm_isa_set("scalar", 0);
        llmbm_model_relayout(&s);
        CHECK(s.token_embedding.type == LLMBM_F32 && s.classifier.type == LLMBM_F32);
        CHECK(memcmp(emb, orig, VOCAB * COLS * 4) == 0);
        free(orig);
    }

    /* the measurement under auto: its fastest is the smallest estimate */
    llmbm_isa_set("auto", 0);
    llmbm_autotune a;
    CHECK(llmbm_autotune_measure(&m, &a));
    CHECK(a.n_levels >= 2 && a.fastest < a.n_levels);
    for (unsigned i = 0; i < a.n_levels; i++) {
        CHECK_MSG(a.token_ms[i] > 0, "%s: %g ms", a.name[i], a.token_ms[i]);
        CHECK_MSG(a.token_ms[a.fastest] <= a.token_ms[i], "%s %g ms beats %s %g ms", a.name[i], a.token_ms[i],
                  a.name[a.fastest], a.token_ms[a.fastest]);
    }
    return CHECK_DONE();
}
