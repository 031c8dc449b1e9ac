/* See model_layout.h. In place, one row or 16-row group at a time through a
 * small scratch buffer: no second copy of the weights, and no reading the
 * file again (the stick may be slow, or gone). */
#include "model_layout.h"

#include "isa.h"
#include "kernels_api.h"
#include "platform.h"

void llmbm_model_for_each_matvec(llmbm_model *m, llmbm_matrix_fn fn, void *ctx)
{
    if (!m->layers) return;
    for (uint32_t l = 0; l < m->config.n_layers; l++) {
        llmbm_layer *L = &m->layers[l];
        llmbm_weight *ws[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w1, &L->w2, &L->w3};
        for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) fn(ctx, ws[i]);
    }
    /* A shared classifier is a copy of the embedding's view and follows it. */
    if (m->classifier.data && m->classifier.data != m->token_embedding.data) fn(ctx, &m->classifier);
}

/* w (of type `from`, a layout or its base) rewritten in place as `to`
 * (the base or one of its layouts); false, unchanged, without scratch. */
static bool rewrite(llmbm_weight *w, llmbm_type to)
{
    const llmbm_type from = w->type, base = llmbm_layout_base(from);
    size_t need = llmbm_relayout_scratch_bytes(from, w->cols), need_to = llmbm_relayout_scratch_bytes(to, w->cols);
    void *scratch = plat_alloc(need > need_to ? need : need_to);
    if (!scratch) return false;
    /* the tensor data the model owns, viewed read-only by the weight */
    void *data = (void *)(uintptr_t)w->data;
    if (from != base) llmbm_relayout_back(data, w->rows, w->cols, from, scratch);
    if (to != base) llmbm_relayout(data, w->rows, w->cols, to, scratch);
    plat_free(scratch);
    w->type = to;
    return true;
}

typedef struct relayout_ctx {
    const llmbm_kernel_table *k;
    unsigned rewritten;
} relayout_ctx;

static void relayout_one(void *ctx, llmbm_weight *w)
{
    relayout_ctx *c = ctx;
    if (w->type == LLMBM_AK42_Q8) return;
    llmbm_type want = llmbm_kernels_matrix_layout(c->k, llmbm_layout_base(w->type), w->rows);
    if (want != w->type && rewrite(w, want)) c->rewritten++;
}

/* An F32 classifier sharing the embedding's bytes (llama2.c's shared
 * weights; a fifth of stories110M's bytes) is interleaved with it: the
 * embedding's row lookup reads either layout (llmbm_weight_row). Block types
 * keep their embedding layout, which is read a row at a time. */
static void relayout_shared_f32(relayout_ctx *c, llmbm_model *m)
{
    llmbm_weight *emb = &m->token_embedding;
    if (!m->classifier.data || m->classifier.data != emb->data || llmbm_layout_base(emb->type) != LLMBM_F32) return;
    llmbm_type want = llmbm_kernels_matrix_layout(c->k, LLMBM_F32, emb->rows);
    if (want != emb->type && rewrite(emb, want)) c->rewritten++;
    m->classifier.type = emb->type;
}

unsigned llmbm_model_relayout(llmbm_model *m)
{
    relayout_ctx c = {llmbm_isa_table(), 0};
    llmbm_model_for_each_matvec(m, relayout_one, &c);
    relayout_shared_f32(&c, m);
    return c.rewritten;
}
