#include "transformer.h"

#include "attention.h"

#include "eng_math.h"
#include "isa.h"
#include "kernels_api.h"
#include "matmul.h"
#include "ops.h"
#include "platform.h"

#define LAYER_WEIGHTS(L) {&(L)->wq, &(L)->wk, &(L)->wv, &(L)->wo, &(L)->w1, &(L)->w2, &(L)->w3}

static size_t max_scratch(const llmbm_model *m, uint32_t batch)
{
    size_t best = llmbm_matmul_scratch_bytes(&m->classifier, batch);
    for (uint32_t l = 0; l < m->config.n_layers; l++) {
        const llmbm_layer *L = &m->layers[l];
        const llmbm_weight *ws[] = LAYER_WEIGHTS(L);
        for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
            size_t b = llmbm_matmul_scratch_bytes(ws[i], batch);
            size_t one = llmbm_matvec_scratch_bytes(ws[i]);
            if (one > b) b = one;
            if (b > best) best = b;
        }
    }
    return best;
}

static int check_types(const llmbm_model *m, llmbm_err *err)
{
    const llmbm_weight *emb = &m->token_embedding, *cls = &m->classifier;
    if (!llmbm_type_supported(emb->type) || !llmbm_type_supported(cls->type))
        return llmbm_fail(err, "%s: weight type %s has no kernel in this build", m->path,
                          llmbm_type_name(llmbm_type_supported(emb->type) ? cls->type : emb->type));
    for (uint32_t l = 0; l < m->config.n_layers; l++) {
        const llmbm_layer *L = &m->layers[l];
        const llmbm_weight *ws[] = LAYER_WEIGHTS(L);
        for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
            if (!llmbm_type_supported(ws[i]->type))
                return llmbm_fail(err, "%s: weight type %s (layer %u) has no kernel in this build", m->path,
                                  llmbm_type_name(ws[i]->type), l);
    }
    return 0;
}

/* The run state's slots, in floats, each rounded up to 16 floats (64 bytes). */
enum {
    S_X,
    S_XB,
    S_XB2,
    S_Q,
    S_HB,
    S_HB2,
    S_ATT,
    S_LOGITS,
    S_KEYS,
    S_VALUES,
    S_KNEW,
    S_VNEW,
    S_ROPE,
    S_SCRATCH,
    S_KEYS_T,
    S_COUNT
};

const char *llmbm_kv_type_name(llmbm_kv_type t)
{
    static const char *const names[] = {"auto", "f32", "f16", "q8_0"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

int llmbm_kv_type_parse(const char *name, llmbm_kv_type *out)
{
    for (int t = LLMBM_KV_AUTO; t <= LLMBM_KV_Q8_0; t++) {
        const char *n = llmbm_kv_type_name((llmbm_kv_type)t);
        size_t i = 0;
        while (n[i] && n[i] == name[i]) i++;
        if (!n[i] && !name[i]) {
            *out = (llmbm_kv_type)t;
            return 0;
        }
    }
    return -1;
}

llmbm_kv_type llmbm_kv_type_for(const llmbm_model *model, llmbm_kv_type want)
{
    if (want == LLMBM_KV_AUTO) want = model->format == LLMBM_FORMAT_GGUF ? LLMBM_KV_F16 : LLMBM_KV_F32;
    if (want == LLMBM_KV_Q8_0 && model->config.head_size % 32) want = LLMBM_KV_F16;
    return want;
}

static llmbm_type kv_elem_type(llmbm_kv_type t)
{
    return t == LLMBM_KV_F16 ? LLMBM_F16 : t == LLMBM_KV_Q8_0 ? LLMBM_Q8_0 : LLMBM_F32;
}

static void run_shape(const llmbm_model *model, const llmbm_run_params *p, uint32_t *ctx_len, uint32_t *batch)
{
    const llmbm_config *c = &model->config;
    *ctx_len = p->ctx_len == 0 || p->ctx_len > c->seq_len ? c->seq_len : p->ctx_len;
    *batch = p->batch ? p->batch : LLMBM_DEFAULT_BATCH;
    if (*batch > *ctx_len) *batch = *ctx_len;
}

/* Shares of a batch's attention with their own transposed keys (none when
 * every pass is one token). Each also takes one of att's n_heads rows. */
static unsigned keys_t_shares(const llmbm_model *model, uint32_t batch)
{
    if (batch < 2) return 0;
    unsigned n = plat_core_count();
    if (n > LLMBM_ATTENTION_SHARES_MAX) n = LLMBM_ATTENTION_SHARES_MAX;
    if (n > model->config.n_heads) n = model->config.n_heads;
    return n ? n : 1;
}

static void slot_sizes(const llmbm_model *model, uint32_t ctx_len, uint32_t batch, bool all_logits,
                       llmbm_kv_type kv_type, uint64_t sizes[S_COUNT])
{
    const llmbm_config *c = &model->config;
    uint64_t kv_dim = (uint64_t)c->n_kv_heads * c->head_size, q_dim = (uint64_t)c->n_heads * c->head_size;
    uint64_t xb_len = q_dim > c->dim ? q_dim : c->dim; /* attention output, then FFN output */
    uint64_t b = batch;
    sizes[S_X] = b * c->dim;
    sizes[S_XB] = b * xb_len;
    sizes[S_XB2] = b * c->dim;
    sizes[S_Q] = b * q_dim;
    sizes[S_HB] = b * c->hidden_dim;
    sizes[S_HB2] = b * c->hidden_dim;
    sizes[S_ATT] = (uint64_t)c->n_heads * ctx_len;
    sizes[S_LOGITS] = (all_logits ? b : 1) * c->vocab_size;
    uint64_t row_bytes = llmbm_row_bytes(kv_elem_type(llmbm_kv_type_for(model, kv_type)), kv_dim);
    sizes[S_KEYS] = sizes[S_VALUES] = ((uint64_t)c->n_layers * ctx_len * row_bytes + 3) / 4;
    sizes[S_KNEW] = sizes[S_VNEW] = b * kv_dim;
    sizes[S_ROPE] = b * 2ull * c->head_size;
    sizes[S_SCRATCH] = (max_scratch(model, batch) + 3) / 4;
    sizes[S_KEYS_T] = (uint64_t)keys_t_shares(model, batch) * llmbm_attention_keys_t_floats(ctx_len, c->head_size);
}

static uint64_t total_floats(const uint64_t sizes[S_COUNT])
{
    uint64_t total = 0;
    for (size_t i = 0; i < S_COUNT; i++) total += (sizes[i] + 15) / 16 * 16;
    return total;
}

uint64_t llmbm_transformer_state_bytes(const llmbm_model *model, const llmbm_run_params *params)
{
    uint32_t ctx_len, batch;
    run_shape(model, params, &ctx_len, &batch);
    uint64_t sizes[S_COUNT];
    slot_sizes(model, ctx_len, batch, params->all_logits, params->kv_type, sizes);
    return total_floats(sizes) * sizeof(float);
}

int llmbm_transformer_open(llmbm_transformer *tf, const llmbm_model *model, const llmbm_run_params *params,
                           llmbm_err *err)
{
    const llmbm_config *c = &model->config;
    eng_memset(tf, 0, sizeof *tf);
    if (check_types(model, err)) return -1;
    uint32_t ctx_len, batch;
    run_shape(model, params, &ctx_len, &batch);
    uint64_t sizes[S_COUNT];
    slot_sizes(model, ctx_len, batch, params->all_logits, params->kv_type, sizes);
    float *keys, *values;
    float **slots[S_COUNT] = {&tf->x,      &tf->xb, &tf->xb2, &tf->q,     &tf->hb,    &tf->hb2,  &tf->att,
                              &tf->logits, &keys,   &values,  &tf->k_new, &tf->v_new, &tf->rope, (float **)&tf->scratch,
                              &tf->keys_t};
    uint64_t total = total_floats(sizes);
    if (total > (uint64_t)SIZE_MAX / 8) return llmbm_fail(err, "%s: run state too large", model->path);
    float *block = plat_alloc((size_t)total * sizeof(float));
    if (!block)
        return llmbm_fail(err, "%s: out of memory for the run state (%llu MiB at context %u)", model->path,
                          (unsigned long long)(total * 4 >> 20), ctx_len);
    float *p = block;
    for (size_t i = 0; i < S_COUNT; i++) {
        *slots[i] = p;
        p += (sizes[i] + 15) / 16 * 16;
    }
    tf->block = block;
    tf->key_cache = (uint8_t *)keys;
    tf->value_cache = (uint8_t *)values;
    tf->kv_type = llmbm_kv_type_for(model, params->kv_type);
    tf->kv_elem = kv_elem_type(tf->kv_type);
    tf->kv_row_bytes = llmbm_row_bytes(tf->kv_elem, (size_t)c->n_kv_heads * c->head_size);
    tf->model = model;
    tf->ctx_len = ctx_len;
    tf->batch = batch;
    tf->all_logits = params->all_logits;
    tf->keys_t_shares = keys_t_shares(model, batch);
    tf->keys_t_floats = llmbm_attention_keys_t_floats(ctx_len, c->head_size);
    /* as llama.cpp: the long factors when the context exceeds the original one */
    tf->rope_freqs = model->rope_freqs_long && ctx_len > c->rope_orig_ctx ? model->rope_freqs_long : model->rope_freqs;
    return 0;
}

int llmbm_transformer_init(llmbm_transformer *tf, const llmbm_model *model, uint32_t ctx_len, llmbm_err *err)
{
    llmbm_run_params p = {ctx_len, 0, false, LLMBM_KV_AUTO};
    return llmbm_transformer_open(tf, model, &p, err);
}

void llmbm_transformer_free(llmbm_transformer *tf)
{
    if (tf->block) plat_free(tf->block);
    eng_memset(tf, 0, sizeof *tf);
}

/* The widths of the batch rows. */
typedef struct shape {
    size_t dim, hs, hidden, kv_dim, q_dim, xb_len, kv_mul;
} shape;

static shape shape_of(const llmbm_config *c)
{
    shape s;
    s.dim = c->dim;
    s.hs = c->head_size;
    s.hidden = c->hidden_dim;
    s.kv_dim = (size_t)c->n_kv_heads * s.hs;
    s.q_dim = (size_t)c->n_heads * s.hs;
    s.xb_len = s.q_dim > s.dim ? s.q_dim : s.dim;
    s.kv_mul = c->n_heads / c->n_kv_heads;
    return s;
}

/* out rows (stride out_stride) = w . x rows (stride x_stride) for n tokens;
 * one token takes the one-token path, whose bits llmbm_matmul reproduces. */
static int mat(llmbm_transformer *tf, float *out, size_t out_stride, const llmbm_weight *w, const float *x,
               size_t x_stride, uint32_t n)
{
    if (n == 1) return llmbm_matvec(out, w, x, tf->scratch);
    return llmbm_matmul(out, out_stride, w, x, x_stride, n, tf->scratch);
}

/* RoPE's angles for each batch position, shared by every layer (and head):
 * row t holds the global angles, then the sliding-window layers' (gemma). */
static void rope_tables(llmbm_transformer *tf, uint32_t pos, uint32_t n)
{
    const llmbm_config *c = &tf->model->config;
    size_t hs = c->head_size;
    for (uint32_t t = 0; t < n; t++) {
        float *cs = tf->rope + (size_t)t * 2 * hs;
        int p = (int)(pos + t);
        if (c->rope_mode == LLMBM_ROPE_LLAMA2C) {
            llmbm_rope_table(cs, hs, p, c->rope_theta);
            continue;
        }
        llmbm_rope_ggml_table(cs, c->rope_dim, p, c->rope_theta, c->rope_freq_scale, tf->rope_freqs);
        /* ggml's rope multiplies cos and sin by the attention factor (mscale) */
        if (c->rope_attn_factor != 0.0f && c->rope_attn_factor != 1.0f)
            llmbm_scale(cs, c->rope_attn_factor, c->rope_dim);
        if (c->swa_pattern)
            llmbm_rope_ggml_table(cs + hs, c->rope_dim, p, c->rope_theta_swa, c->rope_freq_scale_swa, 0);
    }
}

/* Biases, Q/K norms, RoPE and the q scale of token t's q row and k row. */
static void shape_qk(llmbm_transformer *tf, const llmbm_layer *L, float *q, float *k, float *v, uint32_t t,
                     float q_scale)
{
    const llmbm_config *c = &tf->model->config;
    shape s = shape_of(c);
    if (L->bq) llmbm_add(q, L->bq, s.q_dim);
    if (L->bk) llmbm_add(k, L->bk, s.kv_dim);
    if (L->bv) llmbm_add(v, L->bv, s.kv_dim);
    if (L->q_norm) {
        for (size_t h = 0; h < c->n_heads; h++) llmbm_rmsnorm(q + h * s.hs, q + h * s.hs, L->q_norm, s.hs, c->norm_eps);
        for (size_t h = 0; h < c->n_kv_heads; h++)
            llmbm_rmsnorm(k + h * s.hs, k + h * s.hs, L->k_norm, s.hs, c->norm_eps);
    }
    const float *cs = tf->rope + (size_t)t * 2 * s.hs;
    if (L->no_rope) {
        /* NoPE layer: positions reach it only through the causal mask */
    } else if (c->rope_mode == LLMBM_ROPE_LLAMA2C) {
        llmbm_rope(q, s.q_dim, k, s.kv_dim, s.hs, cs);
    } else {
        if (L->local) cs += s.hs;
        int neox = c->rope_mode == LLMBM_ROPE_NEOX;
        llmbm_rope_ggml(q, c->n_heads, s.hs, c->rope_dim, cs, neox);
        llmbm_rope_ggml(k, c->n_kv_heads, s.hs, c->rope_dim, cs, neox);
    }
    if (q_scale != 1.0f) llmbm_scale(q, q_scale, s.q_dim);
}

/* A block's output (rows of out, stride out_stride): post-norm, residual
 * scale, added to the residual stream. */
static void add_residual(llmbm_transformer *tf, float *out, size_t out_stride, const float *post_norm, uint32_t n)
{
    const llmbm_config *c = &tf->model->config;
    for (uint32_t t = 0; t < n; t++) {
        float *o = out + t * out_stride, *x = tf->x + (size_t)t * c->dim;
        if (post_norm) llmbm_rmsnorm(o, o, post_norm, c->dim, c->norm_eps);
        if (c->residual_scale != 0.0f) llmbm_scale(o, c->residual_scale, c->dim);
        llmbm_add(x, o, c->dim);
    }
}

static int layer(llmbm_transformer *tf, uint32_t l, uint32_t pos, uint32_t n, float q_scale)
{
    const llmbm_model *m = tf->model;
    const llmbm_config *c = &m->config;
    const llmbm_layer *L = &m->layers[l];
    shape s = shape_of(c);
    size_t loff = (size_t)l * tf->ctx_len * tf->kv_row_bytes;
    float *k = tf->k_new, *v = tf->v_new;
    for (uint32_t t = 0; t < n; t++)
        llmbm_rmsnorm(tf->xb + t * s.xb_len, tf->x + t * s.dim, L->rms_att, s.dim, c->norm_eps);
    if (mat(tf, tf->q, s.q_dim, &L->wq, tf->xb, s.xb_len, n) || mat(tf, k, s.kv_dim, &L->wk, tf->xb, s.xb_len, n) ||
        mat(tf, v, s.kv_dim, &L->wv, tf->xb, s.xb_len, n))
        return -1;
    llmbm_kv_store_fn store = llmbm_kernel_kv_store(llmbm_isa_table(), tf->kv_elem);
    for (uint32_t t = 0; t < n; t++) {
        shape_qk(tf, L, tf->q + t * s.q_dim, k + t * s.kv_dim, v + t * s.kv_dim, t, q_scale);
        size_t row = loff + (size_t)(pos + t) * tf->kv_row_bytes;
        store(k + t * s.kv_dim, tf->key_cache + row, s.kv_dim);
        store(v + t * s.kv_dim, tf->value_cache + row, s.kv_dim);
    }
    llmbm_attention_layer(tf, loff, pos, n, L->local ? c->sliding_window : 0, c->attn_softcap);
    if (mat(tf, tf->xb2, s.dim, &L->wo, tf->xb, s.xb_len, n)) return -1;
    add_residual(tf, tf->xb2, s.dim, L->post_attn_norm, n);
    for (uint32_t t = 0; t < n; t++)
        llmbm_rmsnorm(tf->xb + t * s.xb_len, tf->x + t * s.dim, L->rms_ffn, s.dim, c->norm_eps);
    if (mat(tf, tf->hb, s.hidden, &L->w1, tf->xb, s.xb_len, n) ||
        mat(tf, tf->hb2, s.hidden, &L->w3, tf->xb, s.xb_len, n))
        return -1;
    for (uint32_t t = 0; t < n; t++) {
        float *hb = tf->hb + t * s.hidden, *hb2 = tf->hb2 + t * s.hidden;
        if (c->ffn_act == LLMBM_FFN_GELU_TANH)
            llmbm_gelu_mul(hb, hb2, s.hidden);
        else
            llmbm_silu_mul(hb, hb2, s.hidden);
    }
    if (mat(tf, tf->xb, s.xb_len, &L->w2, tf->hb, s.hidden, n)) return -1;
    add_residual(tf, tf->xb, s.xb_len, L->post_ffn_norm, n);
    return 0;
}

float *llmbm_forward_batch(llmbm_transformer *tf, const int32_t *tokens, uint32_t n, uint32_t pos, llmbm_err *err)
{
    const llmbm_model *m = tf->model;
    const llmbm_config *c = &m->config;
    if (n == 0 || n > tf->batch) {
        llmbm_fail(err, "a batch of %u tokens (this run state takes 1 to %u)", n, tf->batch);
        return 0;
    }
    if (pos >= tf->ctx_len || n > tf->ctx_len - pos) {
        llmbm_fail(err, "position %u is past the context length %u", pos + n - 1, tf->ctx_len);
        return 0;
    }
    for (uint32_t t = 0; t < n; t++)
        if (tokens[t] < 0 || (uint32_t)tokens[t] >= c->vocab_size) {
            llmbm_fail(err, "token id %d is outside the vocabulary (%u)", (int)tokens[t], c->vocab_size);
            return 0;
        }
    size_t dim = c->dim, hs = c->head_size;
    for (uint32_t t = 0; t < n; t++) {
        float *x = tf->x + t * dim;
        if (llmbm_weight_row(x, &m->token_embedding, (uint32_t)tokens[t])) goto no_kernel;
        if (c->embedding_scale != 0.0f) llmbm_scale(x, c->embedding_scale, dim);
    }
    /* llmbm_attention_head divides q.k by sqrt(head_size); another scale is
     * applied to q first. */
    float q_scale = c->attention_scale != 0.0f ? c->attention_scale * eng_sqrtf((float)hs) : 1.0f;
    rope_tables(tf, pos, n);
    for (uint32_t l = 0; l < c->n_layers; l++)
        if (layer(tf, l, pos, n, q_scale)) goto no_kernel;
    /* Logits of the last token, or of every token with all_logits. */
    uint32_t first = tf->all_logits ? 0 : n - 1;
    for (uint32_t t = first; t < n; t++) {
        float *x = tf->x + t * dim;
        llmbm_rmsnorm(x, x, m->rms_final, dim, c->norm_eps);
    }
    if (mat(tf, tf->logits, c->vocab_size, &m->classifier, tf->x + first * dim, dim, n - first)) goto no_kernel;
    for (uint32_t t = 0; t < n - first; t++) {
        float *lg = tf->logits + (size_t)t * c->vocab_size;
        if (c->logit_scale != 0.0f) llmbm_scale(lg, 1.0f / c->logit_scale, c->vocab_size);
        if (c->final_softcap != 0.0f) llmbm_softcap(lg, c->final_softcap, c->vocab_size);
    }
    return tf->logits + (size_t)(n - 1 - first) * c->vocab_size;
no_kernel:
    llmbm_fail(err, "%s: a weight type has no kernel in this build", m->path);
    return 0;
}

float *llmbm_forward(llmbm_transformer *tf, int32_t token, uint32_t pos, llmbm_err *err)
{
    return llmbm_forward_batch(tf, &token, 1, pos, err);
}
