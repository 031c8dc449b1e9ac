#include "model.h"

#include "arch.h"
#include "gguf_model.h"
#include "llama2c.h"
#include "isa.h"
#include "model_layout.h"
#include "ops.h"
#include "platform.h"
#include "quant_formats.h"

const char *llmbm_format_name(llmbm_format format)
{
    switch (format) {
        case LLMBM_FORMAT_LLAMA2C_LEGACY: return "llama2.c legacy (fp32)";
        case LLMBM_FORMAT_LLAMA2C_V1: return "llama2.c ak42 v1 (fp32)";
        case LLMBM_FORMAT_LLAMA2C_V2: return "llama2.c ak42 v2 (Q8_0)";
        case LLMBM_FORMAT_GGUF: return "GGUF";
        default: return "unknown";
    }
}

int llmbm_config_validate(const llmbm_config *c, const char *name, llmbm_err *err)
{
    if (!c->dim || !c->hidden_dim || !c->n_layers || !c->n_heads || !c->n_kv_heads || !c->vocab_size || !c->seq_len)
        return llmbm_fail(err, "%s: a model dimension is zero", name);
    if (c->n_kv_heads > c->n_heads || c->n_heads % c->n_kv_heads)
        return llmbm_fail(err, "%s: n_heads %u is not a multiple of n_kv_heads %u", name, c->n_heads, c->n_kv_heads);
    if (c->head_size == 0 || c->head_size % 2)
        return llmbm_fail(err, "%s: head size %u must be even for RoPE", name, c->head_size);
    uint64_t q_dim;
    if (!eng_mul_u64(c->n_heads, c->head_size, &q_dim) || q_dim > 0x7fffffffu)
        return llmbm_fail(err, "%s: n_heads * head_size overflows", name);
    /* Bounds that keep every index of the forward pass inside int32/size_t;
     * real models are orders of magnitude below them. */
    if (c->dim > (1u << 20) || c->hidden_dim > (1u << 22) || c->n_layers > 4096 || c->seq_len > (1u << 24) ||
        c->vocab_size > (1u << 24))
        return llmbm_fail(err, "%s: absurd dimensions (dim %u, hidden %u, layers %u, seq_len %u, vocab %u)", name,
                          c->dim, c->hidden_dim, c->n_layers, c->seq_len, c->vocab_size);
    return 0;
}

static bool is_gguf(const uint8_t *b, uint64_t size)
{
    return size >= 4 && b[0] == 'G' && b[1] == 'G' && b[2] == 'U' && b[3] == 'F';
}

/* Frees what a failed GGUF build allocated (not the file data). */
static void free_partial(llmbm_model *m)
{
    if (m->layers) plat_free(m->layers);
    if (m->aux) plat_free(m->aux);
    eng_memset(m, 0, sizeof *m);
}

/* Closes g and fails when it holds no tensors: a vocabulary is not a model. */
static int refuse_without_tensors(gguf_file *g, const char *name, llmbm_err *err)
{
    if (g->n_tensors) return 0;
    gguf_close(g);
    return llmbm_fail(err, "%s: a GGUF file without tensors (vocabulary only?): not a model", name);
}

int llmbm_model_parse(llmbm_model *model, void *data, uint64_t size, const char *name, llmbm_err *err)
{
    llmbm_model m;
    eng_memset(&m, 0, sizeof m);
    const uint8_t *bytes = data;
    if (is_gguf(bytes, size)) {
        /* The reader copies the image while indexing it: a transient second
         * copy. The bundle loader (model_bundle.c) avoids it by reading only
         * the header. */
        gguf_file g;
        if (size > SIZE_MAX || gguf_parse_memory(&g, data, (size_t)size, name, err)) return -1;
        rt_copy_string(m.path, sizeof m.path, name);
        if (refuse_without_tensors(&g, name, err)) return -1;
        int rc = llmbm_gguf_model_build(&m, &g, (uint8_t *)data + g.data_offset, name, err);
        gguf_close(&g);
        if (rc) {
            free_partial(&m);
            return -1;
        }
    } else if (llmbm_llama2c_parse(&m, bytes, size, name, err)) {
        return -1;
    }
    m.file_data = data;
    m.file_size = size;
    rt_copy_string(m.path, sizeof m.path, name);
    *model = m;
    return 0;
}

void llmbm_model_free(llmbm_model *model)
{
    if (model->layers) plat_free(model->layers);
    if (model->aux) plat_free(model->aux);
    if (model->file_data) plat_free(model->file_data);
    eng_memset(model, 0, sizeof *model);
}

static uint64_t weight_bytes(const llmbm_weight *w)
{
    uint64_t n = (uint64_t)w->rows * w->cols;
    if (w->type == LLMBM_AK42_Q8) return n + n / w->group_size * 4;
    return (uint64_t)llmbm_row_bytes(w->type, w->cols) * w->rows;
}

uint64_t llmbm_model_weight_bytes(const llmbm_model *model)
{
    const llmbm_config *c = &model->config;
    uint64_t total = weight_bytes(&model->token_embedding) + (uint64_t)c->dim * 4;
    if (!c->shared_classifier) total += weight_bytes(&model->classifier);
    for (uint32_t l = 0; l < c->n_layers; l++) {
        const llmbm_layer *L = &model->layers[l];
        total += 2ull * c->dim * 4 + weight_bytes(&L->wq) + weight_bytes(&L->wk) + weight_bytes(&L->wv) +
                 weight_bytes(&L->wo) + weight_bytes(&L->w1) + weight_bytes(&L->w2) + weight_bytes(&L->w3);
    }
    return total;
}

uint64_t llmbm_model_decode_bytes(const llmbm_model *model)
{
    uint64_t total = llmbm_model_weight_bytes(model);
    if (!model->config.shared_classifier) /* the embedding: one row per token */
        total -=
            weight_bytes(&model->token_embedding) -
            weight_bytes(&model->token_embedding) / (model->token_embedding.rows ? model->token_embedding.rows : 1);
    return total;
}

uint64_t llmbm_model_state_bytes(const llmbm_config *c, uint32_t seq_len)
{
    uint64_t kv_dim = (uint64_t)c->n_kv_heads * c->head_size;
    uint64_t q_dim = (uint64_t)c->n_heads * c->head_size;
    uint64_t cache = 2ull * c->n_layers * seq_len * kv_dim * 4;
    uint64_t acts = (4ull * c->dim + 2ull * c->hidden_dim + q_dim + 2 * kv_dim + (uint64_t)c->n_heads * seq_len +
                     c->vocab_size + 2ull * c->head_size /* RoPE table */) *
                    4;
    return cache + acts;
}

typedef struct text_sink {
    llmbm_write_fn write;
    void *ctx;
} text_sink;

static void sinkf(text_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sinkf(text_sink *s, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = eng_vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 1) n = (int)sizeof line - 1;
    s->write(s->ctx, line, (size_t)n);
}

static void describe_weight(text_sink *s, const char *what, const llmbm_weight *w, uint32_t count)
{
    sinkf(s, "  %-16s %-8s %u x %u", what, llmbm_type_name(w->type), w->rows, w->cols);
    if (count > 1) sinkf(s, " (x%u layers)", count);
    if (w->type == LLMBM_AK42_Q8) sinkf(s, " group %u", w->group_size);
    sinkf(s, "\n");
}

/* What this architecture and file do beyond plain llama: the arch row's
 * features plus what the metadata turned on. */
static void describe_features(text_sink *s, const llmbm_model *m)
{
    const llmbm_config *c = &m->config;
    const char *sep = "";
    sinkf(s, "features: ");
    if (m->arch_info && m->arch_info->features[0]) {
        sinkf(s, "%s", m->arch_info->features);
        sep = ", ";
    }
    if (c->rope_dim < c->head_size) {
        sinkf(s, "%spartial rotary (%u of %u)", sep, c->rope_dim, c->head_size);
        sep = ", ";
    }
    if (m->rope_freqs_long) {
        sinkf(s, "%sLongRoPE: long factors above %u positions of context, attention factor %g", sep, c->rope_orig_ctx,
              (double)c->rope_attn_factor);
        sep = ", ";
    } else if (m->rope_freqs) {
        sinkf(s, "%sRoPE frequency factors (rope_freqs)", sep);
        sep = ", ";
    }
    if (c->no_rope_every == 1) {
        sinkf(s, "%sno RoPE", sep);
        sep = ", ";
    }
    if (c->embedding_scale != 0.0f || c->residual_scale != 0.0f || c->attention_scale != 0.0f ||
        c->logit_scale != 0.0f) {
        sinkf(s, "%smultipliers: embedding %g, residual %g, attention %g, logit 1/%g", sep, (double)c->embedding_scale,
              (double)c->residual_scale, (double)c->attention_scale, (double)c->logit_scale);
        sep = ", ";
    }
    if (c->swa_pattern && c->sliding_window) {
        sinkf(s, "%ssliding window %u on %u of every %u layers (RoPE base %g there)", sep, c->sliding_window,
              c->swa_pattern - 1, c->swa_pattern, (double)c->rope_theta_swa);
        sep = ", ";
    }
    if (c->attn_softcap != 0.0f || c->final_softcap != 0.0f) {
        sinkf(s, "%ssoft-capping: attention %g, logits %g", sep, (double)c->attn_softcap, (double)c->final_softcap);
        sep = ", ";
    }
    sinkf(s, "%s\n", *sep ? "" : "none");
}

static void describe_gguf(text_sink *s, const llmbm_model *m)
{
    const llmbm_config *c = &m->config;
    const llmbm_quant_mix *mix = &m->mix;
    static const char *const modes[] = {"llama2.c", "normal (adjacent pairs)", "neox (split halves)"};
    sinkf(s, "architecture: %s\n", m->arch);
    describe_features(s, m);
    sinkf(s, "parameters: %llu (%.2f M)\n", (unsigned long long)mix->n_params, (double)mix->n_params / 1e6);
    sinkf(s, "context_length: %u\n", c->seq_len);
    sinkf(s, "rope: %s, %u dims, scale %g%s\n", modes[c->rope_mode], c->rope_dim, (double)c->rope_freq_scale,
          m->rope_freqs ? ", frequency factors" : "");
    sinkf(s, "quant mix:");
    for (uint32_t t = 0; t < LLMBM_TYPE_SLOTS; t++)
        if (mix->count[t])
            sinkf(s, " %s x%u (%.2f MiB)", t == LLMBM_TYPE_SLOTS - 1 ? "other" : llmbm_type_name((llmbm_type)t),
                  mix->count[t], (double)mix->bytes[t] / 1048576.0);
    sinkf(s, "\n");
}

static bool is_relaid(llmbm_type t)
{
    return t == LLMBM_Q4_0P || t == LLMBM_Q4_0X16 || t == LLMBM_Q4_KX16 || t == LLMBM_F32X16;
}

/* Whether the loader re-laid out any matrix (gguf_model.c), which the
 * tensor list then shows under the in-memory type names. */
static bool has_relaid_weights(const llmbm_model *model)
{
    if (is_relaid(model->classifier.type)) return true;
    for (uint32_t l = 0; l < model->config.n_layers; l++) {
        const llmbm_layer *L = &model->layers[l];
        const llmbm_weight *ws[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w1, &L->w2, &L->w3};
        for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
            if (is_relaid(ws[i]->type)) return true;
    }
    return false;
}

void llmbm_model_describe(const llmbm_model *model, llmbm_write_fn write, void *ctx)
{
    text_sink s = {write, ctx};
    const llmbm_config *c = &model->config;
    sinkf(&s, "file: %s\n", model->path);
    sinkf(&s, "format: %s\n", llmbm_format_name(model->format));
    sinkf(&s, "file size: %llu bytes\n", (unsigned long long)model->file_size);
    sinkf(&s, "dim: %u\nhidden_dim: %u\nn_layers: %u\nn_heads: %u\nn_kv_heads: %u\nhead_size: %u\n", c->dim,
          c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads, c->head_size);
    sinkf(&s, "vocab_size: %u\nseq_len: %u\nrope_theta: %g\nnorm_eps: %g\n", c->vocab_size, c->seq_len,
          (double)c->rope_theta, (double)c->norm_eps);
    sinkf(&s, "classifier: %s\n", c->shared_classifier ? "shared with token embedding" : "separate");
    if (model->format == LLMBM_FORMAT_GGUF) describe_gguf(&s, model);
    sinkf(&s, "kernels: %s\n", llmbm_isa_name());
    if (model->format == LLMBM_FORMAT_LLAMA2C_V2) sinkf(&s, "group_size: %u\n", c->group_size);
    sinkf(&s, "tensors:\n");
    describe_weight(&s, "token_embedding", &model->token_embedding, 1);
    if (c->n_layers) {
        const llmbm_layer *L = &model->layers[0];
        describe_weight(&s, "wq", &L->wq, c->n_layers);
        describe_weight(&s, "wk", &L->wk, c->n_layers);
        describe_weight(&s, "wv", &L->wv, c->n_layers);
        describe_weight(&s, "wo", &L->wo, c->n_layers);
        describe_weight(&s, "w1 (gate)", &L->w1, c->n_layers);
        describe_weight(&s, "w2 (down)", &L->w2, c->n_layers);
        describe_weight(&s, "w3 (up)", &L->w3, c->n_layers);
    }
    sinkf(&s, "  %-16s %-8s %u (x%u layers, x2)\n", "rms norms", "f32", c->dim, c->n_layers);
    if (!c->shared_classifier) describe_weight(&s, "classifier", &model->classifier, 1);
    if (has_relaid_weights(model))
        sinkf(&s, "  (q4_0p, q4_0x16, q4_Kx16: the file's q4_0, q4_K bytes in the orders the SIMD kernels read)\n");
    uint64_t wb = llmbm_model_weight_bytes(model), sb = llmbm_model_state_bytes(c, c->seq_len);
    sinkf(&s, "weights: %llu bytes (%.1f MiB)\n", (unsigned long long)wb, (double)wb / 1048576.0);
    sinkf(&s, "run state at seq_len %u: %llu bytes (%.1f MiB)\n", c->seq_len, (unsigned long long)sb,
          (double)sb / 1048576.0);
    sinkf(&s, "memory needed: %llu bytes (%.1f MiB)\n", (unsigned long long)(model->file_size + sb),
          (double)(model->file_size + sb) / 1048576.0);
}
