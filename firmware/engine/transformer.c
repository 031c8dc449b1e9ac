#include "transformer.h"

#include "eng_math.h"
#include "ops.h"
#include "platform.h"

static size_t max_scratch(const llmbm_model *m) {
    size_t best = llmbm_matvec_scratch_bytes(&m->classifier);
    for (uint32_t l = 0; l < m->config.n_layers; l++) {
        const llmbm_layer *L = &m->layers[l];
        const llmbm_weight *ws[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w1, &L->w2, &L->w3};
        for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
            size_t b = llmbm_matvec_scratch_bytes(ws[i]);
            if (b > best) best = b;
        }
    }
    return best;
}

static int check_types(const llmbm_model *m, llmbm_err *err) {
    const llmbm_weight *emb = &m->token_embedding, *cls = &m->classifier;
    if (!llmbm_type_supported(emb->type) || !llmbm_type_supported(cls->type))
        return llmbm_fail(err, "%s: weight type %s has no kernel in this build", m->path,
                          llmbm_type_name(llmbm_type_supported(emb->type) ? cls->type : emb->type));
    for (uint32_t l = 0; l < m->config.n_layers; l++) {
        const llmbm_layer *L = &m->layers[l];
        const llmbm_weight *ws[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w1, &L->w2, &L->w3};
        for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
            if (!llmbm_type_supported(ws[i]->type))
                return llmbm_fail(err, "%s: weight type %s (layer %u) has no kernel in this build", m->path,
                                  llmbm_type_name(ws[i]->type), l);
    }
    return 0;
}

int llmbm_transformer_init(llmbm_transformer *tf, const llmbm_model *model, uint32_t ctx_len, llmbm_err *err) {
    const llmbm_config *c = &model->config;
    eng_memset(tf, 0, sizeof *tf);
    if (check_types(model, err)) return -1;
    if (ctx_len == 0 || ctx_len > c->seq_len) ctx_len = c->seq_len;
    uint64_t kv_dim = (uint64_t)c->n_kv_heads * c->head_size, q_dim = (uint64_t)c->n_heads * c->head_size;
    /* Sizes in floats, each rounded up to 16 floats (64 bytes). */
    uint64_t xb_len = q_dim > c->dim ? q_dim : c->dim; /* attention output, then FFN output */
    uint64_t sizes[] = {c->dim, xb_len, c->dim, q_dim, c->hidden_dim, c->hidden_dim,
                        (uint64_t)c->n_heads * ctx_len, c->vocab_size,
                        (uint64_t)c->n_layers * ctx_len * kv_dim, (uint64_t)c->n_layers * ctx_len * kv_dim,
                        2ull * c->head_size, (max_scratch(model) + 3) / 4};
    float **slots[] = {&tf->x, &tf->xb, &tf->xb2, &tf->q, &tf->hb, &tf->hb2, &tf->att, &tf->logits,
                       &tf->key_cache, &tf->value_cache, &tf->rope, (float **)&tf->scratch};
    uint64_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) total += (sizes[i] + 15) / 16 * 16;
    if (total > (uint64_t)SIZE_MAX / 8)
        return llmbm_fail(err, "%s: run state too large", model->path);
    float *block = plat_alloc((size_t)total * sizeof(float));
    if (!block)
        return llmbm_fail(err, "%s: out of memory for the run state (%llu MiB at context %u)", model->path,
                          (unsigned long long)(total * 4 >> 20), ctx_len);
    float *p = block;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        *slots[i] = p;
        p += (sizes[i] + 15) / 16 * 16;
    }
    tf->block = block;
    tf->model = model;
    tf->ctx_len = ctx_len;
    /* as llama.cpp: the long factors when the context exceeds the original one */
    tf->rope_freqs =
        model->rope_freqs_long && ctx_len > c->rope_orig_ctx ? model->rope_freqs_long : model->rope_freqs;
    return 0;
}

void llmbm_transformer_free(llmbm_transformer *tf) {
    if (tf->block) plat_free(tf->block);
    eng_memset(tf, 0, sizeof *tf);
}

/* One layer's attention, split across cores by head: each head writes only
 * its own slices of xb and att, so the result is the same on any core count. */
typedef struct attention_job {
    llmbm_transformer *tf;
    size_t layer_off, kv_dim, kv_mul, hs;
    uint32_t pos;
    uint32_t first;  /* oldest position attended to (a sliding window's start, else 0) */
    float softcap;   /* 0: none */
} attention_job;

static void attention_heads(void *ctx, size_t begin, size_t end) {
    const attention_job *j = ctx;
    llmbm_transformer *tf = j->tf;
    for (size_t h = begin; h < end; h++) {
        size_t kv_off = j->layer_off + (h / j->kv_mul) * j->hs + (size_t)j->first * j->kv_dim;
        if (j->softcap != 0.0f)
            llmbm_attention_head_capped(tf->xb + h * j->hs, tf->att + h * tf->ctx_len, tf->q + h * j->hs,
                                        tf->key_cache + kv_off, tf->value_cache + kv_off, j->kv_dim, j->hs,
                                        (size_t)(j->pos - j->first) + 1, j->softcap);
        else
            llmbm_attention_head(tf->xb + h * j->hs, tf->att + h * tf->ctx_len, tf->q + h * j->hs,
                                 tf->key_cache + kv_off, tf->value_cache + kv_off, j->kv_dim, j->hs,
                                 (int)(j->pos - j->first));
    }
}

float *llmbm_forward(llmbm_transformer *tf, int32_t token, uint32_t pos, llmbm_err *err) {
    const llmbm_model *m = tf->model;
    const llmbm_config *c = &m->config;
    if (token < 0 || (uint32_t)token >= c->vocab_size) {
        llmbm_fail(err, "token id %d is outside the vocabulary (%u)", (int)token, c->vocab_size);
        return 0;
    }
    if (pos >= tf->ctx_len) {
        llmbm_fail(err, "position %u is past the context length %u", pos, tf->ctx_len);
        return 0;
    }
    size_t dim = c->dim, hs = c->head_size, hidden = c->hidden_dim;
    size_t kv_dim = (size_t)c->n_kv_heads * hs, q_dim = (size_t)c->n_heads * hs;
    size_t kv_mul = c->n_heads / c->n_kv_heads;
    float *x = tf->x;
    if (llmbm_weight_row(x, &m->token_embedding, (uint32_t)token)) goto no_kernel;
    if (c->embedding_scale != 0.0f) llmbm_scale(x, c->embedding_scale, dim);
    /* llmbm_attention_head divides q.k by sqrt(head_size); another scale is
     * applied to q first. */
    float q_scale = c->attention_scale != 0.0f ? c->attention_scale * eng_sqrtf((float)hs) : 1.0f;
    /* RoPE's angles for this position, shared by every layer (and head) */
    int neox = c->rope_mode == LLMBM_ROPE_NEOX;
    if (c->rope_mode == LLMBM_ROPE_LLAMA2C)
        llmbm_rope_table(tf->rope, hs, (int)pos, c->rope_theta);
    else
        llmbm_rope_ggml_table(tf->rope, c->rope_dim, (int)pos, c->rope_theta, c->rope_freq_scale, tf->rope_freqs);
    /* ggml's rope multiplies cos and sin by the attention factor (mscale) */
    if (c->rope_attn_factor != 0.0f && c->rope_attn_factor != 1.0f)
        llmbm_scale(tf->rope, c->rope_attn_factor, c->rope_dim);
    /* sliding-window layers' own angles (gemma), in the slot's second half */
    float *rope_local = tf->rope + hs;
    if (c->swa_pattern)
        llmbm_rope_ggml_table(rope_local, c->rope_dim, (int)pos, c->rope_theta_swa, c->rope_freq_scale_swa, 0);
    for (uint32_t l = 0; l < c->n_layers; l++) {
        const llmbm_layer *L = &m->layers[l];
        size_t loff = (size_t)l * tf->ctx_len * kv_dim;
        float *k = tf->key_cache + loff + (size_t)pos * kv_dim;
        float *v = tf->value_cache + loff + (size_t)pos * kv_dim;
        llmbm_rmsnorm(tf->xb, x, L->rms_att, dim, c->norm_eps);
        if (llmbm_matvec(tf->q, &L->wq, tf->xb, tf->scratch) || llmbm_matvec(k, &L->wk, tf->xb, tf->scratch) ||
            llmbm_matvec(v, &L->wv, tf->xb, tf->scratch))
            goto no_kernel;
        if (L->bq) llmbm_add(tf->q, L->bq, q_dim);
        if (L->bk) llmbm_add(k, L->bk, kv_dim);
        if (L->bv) llmbm_add(v, L->bv, kv_dim);
        if (L->q_norm) {
            for (size_t h = 0; h < c->n_heads; h++)
                llmbm_rmsnorm(tf->q + h * hs, tf->q + h * hs, L->q_norm, hs, c->norm_eps);
            for (size_t h = 0; h < c->n_kv_heads; h++)
                llmbm_rmsnorm(k + h * hs, k + h * hs, L->k_norm, hs, c->norm_eps);
        }
        if (L->no_rope) {
            /* NoPE layer: positions reach it only through the causal mask */
        } else if (c->rope_mode == LLMBM_ROPE_LLAMA2C) {
            llmbm_rope(tf->q, q_dim, k, kv_dim, hs, tf->rope);
        } else {
            const float *cs = L->local ? rope_local : tf->rope;
            llmbm_rope_ggml(tf->q, c->n_heads, hs, c->rope_dim, cs, neox);
            llmbm_rope_ggml(k, c->n_kv_heads, hs, c->rope_dim, cs, neox);
        }
        if (q_scale != 1.0f) llmbm_scale(tf->q, q_scale, q_dim);
        /* a local layer sees its window: positions pos - window + 1 .. pos */
        uint32_t first = L->local && pos >= c->sliding_window ? pos + 1 - c->sliding_window : 0;
        attention_job job = {tf, loff, kv_dim, kv_mul, hs, pos, first, c->attn_softcap};
        /* a head reads pos-first+1 keys and values of hs floats */
        plat_parallel_for(c->n_heads, llmbm_share_grain(((uint64_t)(pos - first) + 1) * hs * 2 * sizeof(float)),
                          attention_heads, &job);
        if (llmbm_matvec(tf->xb2, &L->wo, tf->xb, tf->scratch)) goto no_kernel;
        if (L->post_attn_norm) llmbm_rmsnorm(tf->xb2, tf->xb2, L->post_attn_norm, dim, c->norm_eps);
        if (c->residual_scale != 0.0f) llmbm_scale(tf->xb2, c->residual_scale, dim);
        llmbm_add(x, tf->xb2, dim);
        llmbm_rmsnorm(tf->xb, x, L->rms_ffn, dim, c->norm_eps);
        if (llmbm_matvec(tf->hb, &L->w1, tf->xb, tf->scratch) || llmbm_matvec(tf->hb2, &L->w3, tf->xb, tf->scratch))
            goto no_kernel;
        if (c->ffn_act == LLMBM_FFN_GELU_TANH)
            llmbm_gelu_mul(tf->hb, tf->hb2, hidden);
        else
            llmbm_silu_mul(tf->hb, tf->hb2, hidden);
        if (llmbm_matvec(tf->xb, &L->w2, tf->hb, tf->scratch)) goto no_kernel;
        if (L->post_ffn_norm) llmbm_rmsnorm(tf->xb, tf->xb, L->post_ffn_norm, dim, c->norm_eps);
        if (c->residual_scale != 0.0f) llmbm_scale(tf->xb, c->residual_scale, dim);
        llmbm_add(x, tf->xb, dim);
    }
    llmbm_rmsnorm(x, x, m->rms_final, dim, c->norm_eps);
    if (llmbm_matvec(tf->logits, &m->classifier, x, tf->scratch)) goto no_kernel;
    if (c->logit_scale != 0.0f) llmbm_scale(tf->logits, 1.0f / c->logit_scale, c->vocab_size);
    if (c->final_softcap != 0.0f) llmbm_softcap(tf->logits, c->final_softcap, c->vocab_size);
    return tf->logits;
no_kernel:
    llmbm_fail(err, "%s: a weight type has no kernel in this build", m->path);
    return 0;
}
