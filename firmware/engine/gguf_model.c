/* GGUF -> llmbm_model: hyperparameters from `{arch}.*` metadata, every weight
 * an llmbm_weight view into the tensor data section, which the model keeps as
 * read from the file (quantized weights stay quantized: memory is about the
 * file size). Only norms, biases and rope frequency factors are copied, into
 * a small f32 side buffer, because the engine reads those as plain floats and
 * files may store them as f16. Every tensor's shape and type is checked
 * against the config before anything runs. Once all of it passed, the
 * token embedding is rewritten in place in its type's layout of single rows
 * if it has one (Q4_0 as Q4_0P: the same bytes in the order the SIMD
 * kernels stream fastest, quant_formats.h); the layouts of
 * the other matrices depend on the kernel level (model_layout.h). */
#include "gguf_model.h"

#include "arch.h"
#include "kernels_api.h"
#include "ops.h"
#include "platform.h"
#include "quant_formats.h"

typedef struct builder {
    llmbm_model *m;
    const gguf_file *g;
    uint8_t *data;    /* byte 0 of the tensor data section */
    const char *name; /* file, for messages */
    llmbm_err *err;
    float *aux_next;
} builder;

static llmbm_arch_keys keys_of(const builder *b) { return (llmbm_arch_keys){b->g, b->m->arch, b->name, b->err}; }

/* `{arch}.suffix` as u32 / f32 (arch.h). */
static int arch_u32(builder *b, const char *suffix, bool required, uint32_t def, uint32_t *out)
{
    llmbm_arch_keys k = keys_of(b);
    return llmbm_arch_u32(&k, suffix, required, def, out);
}

static int arch_f32(builder *b, const char *suffix, float def, float *out, bool *present)
{
    llmbm_arch_keys k = keys_of(b);
    return llmbm_arch_f32(&k, suffix, false, def, out, present);
}

static int check_shape(builder *b, const gguf_tensor *t, const char *tname, uint64_t ne0, uint64_t ne1)
{
    if (t->ne[0] != ne0 || t->ne[1] != ne1 || t->ne[2] != 1 || t->ne[3] != 1)
        return llmbm_fail(b->err, "%s: tensor %s has shape [%llu, %llu, %llu, %llu], expected [%llu, %llu]", b->name,
                          tname, (unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
                          (unsigned long long)t->ne[2], (unsigned long long)t->ne[3], (unsigned long long)ne0,
                          (unsigned long long)ne1);
    return 0;
}

static const gguf_tensor *need_tensor(builder *b, const char *tname)
{
    const gguf_tensor *t = gguf_find_tensor(b->g, tname);
    if (!t) llmbm_fail(b->err, "%s: missing tensor %s", b->name, tname);
    return t;
}

/* A matrix of `rows` x `cols` (ggml [ne0 = cols, ne1 = rows]) kept in its
 * file type. */
static int matrix(builder *b, const char *tname, uint32_t rows, uint32_t cols, llmbm_weight *w)
{
    const gguf_tensor *t = need_tensor(b, tname);
    if (!t || check_shape(b, t, tname, cols, rows)) return -1;
    llmbm_type type = (llmbm_type)t->type;
    size_t row_bytes = llmbm_row_bytes(type, cols);
    if (!llmbm_type_supported(type) || type == LLMBM_AK42_Q8 || !row_bytes)
        return llmbm_fail(b->err, "%s: tensor %s has type %s with %u columns, which the engine cannot compute with",
                          b->name, tname, gguf_type_name(t->type), cols);
    if ((uint64_t)row_bytes * rows != t->n_bytes)
        return llmbm_fail(b->err, "%s: tensor %s holds %llu bytes, expected %llu", b->name, tname,
                          (unsigned long long)t->n_bytes, (unsigned long long)row_bytes * rows);
    const uint8_t *p = b->data + t->offset;
    /* Kernels read f32 rows and the f16 fields of blocks in place. */
    if ((uintptr_t)p % 4)
        return llmbm_fail(b->err, "%s: tensor %s data is not 4-byte aligned (general.alignment %u)", b->name, tname,
                          b->g->alignment);
    w->type = type;
    w->rows = rows;
    w->cols = cols;
    w->data = p;
    return 0;
}

/* A fused matrix (phi3's attn_qkv, its gate+up ffn_up) as n views of
 * consecutive row ranges: rows[i] rows x cols each, in order. Rows are whole
 * units in every type, so each view is an ordinary matrix of its own. */
static int split_matrix(builder *b, const char *tname, uint32_t cols, size_t n, const uint32_t *rows,
                        llmbm_weight *const *out)
{
    uint32_t total = 0;
    for (size_t i = 0; i < n; i++) total += rows[i];
    llmbm_weight whole;
    if (matrix(b, tname, total, cols, &whole)) return -1;
    size_t row_bytes = llmbm_row_bytes(whole.type, cols);
    const uint8_t *p = whole.data;
    for (size_t i = 0; i < n; i++) {
        *out[i] = whole;
        out[i]->rows = rows[i];
        out[i]->data = p;
        p += row_bytes * rows[i];
    }
    return 0;
}

/* A vector of n floats copied into the side buffer (f32, f16 or bf16 in the
 * file). NULL when absent and optional. */
static int vector(builder *b, const char *tname, uint32_t n, bool required, const float **out)
{
    *out = 0;
    const gguf_tensor *t = gguf_find_tensor(b->g, tname);
    if (!t) return required ? llmbm_fail(b->err, "%s: missing tensor %s", b->name, tname) : 0;
    if (t->ne[0] != n || t->ne[1] != 1 || t->ne[2] != 1 || t->ne[3] != 1)
        return llmbm_fail(b->err, "%s: tensor %s has shape [%llu, %llu], expected [%u]", b->name, tname,
                          (unsigned long long)t->ne[0], (unsigned long long)t->ne[1], n);
    const uint8_t *p = b->data + t->offset;
    float *dst = b->aux_next;
    switch (t->type) {
        case LLMBM_F32: eng_memcpy(dst, p, (size_t)n * 4); break;
        case LLMBM_F16:
        case LLMBM_BF16:
            for (uint32_t i = 0; i < n; i++) {
                uint16_t h = (uint16_t)(p[2 * i] | (p[2 * i + 1] << 8));
                dst[i] = t->type == LLMBM_F16 ? llmbm_fp16_to_f32(h) : llmbm_bf16_to_f32(h);
            }
            break;
        default:
            return llmbm_fail(b->err, "%s: tensor %s has type %s; vectors must be f32, f16 or bf16", b->name, tname,
                              gguf_type_name(t->type));
    }
    b->aux_next += n;
    *out = dst;
    return 0;
}

/* general.architecture, looked up in arch.c's list; anything else is refused
 * by name, with the list of what is supported. */
static int read_arch(builder *b)
{
    char supported[160];
    llmbm_arch_list(supported, sizeof supported);
    gguf_str s;
    if (gguf_get_str(b->g, "general.architecture", &s) != GGUF_OK)
        return llmbm_fail(b->err, "%s: no general.architecture string (supported: %s)", b->name, supported);
    const llmbm_arch *a = llmbm_arch_find(s.ptr, (size_t)s.len);
    if (a) {
        eng_memcpy(b->m->arch, a->name, eng_strlen(a->name) + 1);
        b->m->arch_info = a;
        return 0;
    }
    char shown[40];
    size_t n = s.len < sizeof shown - 1 ? (size_t)s.len : sizeof shown - 1;
    for (size_t i = 0; i < n; i++) shown[i] = (s.ptr[i] >= 32 && s.ptr[i] < 127) ? s.ptr[i] : '?';
    shown[n] = 0;
    return llmbm_fail(b->err, "%s: architecture '%s' is not supported (supported: %s)", b->name, shown, supported);
}

/* Linear scaling divides positions by the factor; anything else (yarn,
 * longrope) changes attention too and is refused rather than run wrongly.
 * llama3-style scaling arrives as the rope_freqs.weight tensor instead. */
static int read_rope_scaling(builder *b, llmbm_config *c)
{
    char key[96];
    eng_snprintf(key, sizeof key, "%s.rope.scaling.type", b->m->arch);
    gguf_str type = {0, 0};
    gguf_status st = gguf_get_str(b->g, key, &type);
    if (st == GGUF_WRONG_TYPE) return llmbm_fail(b->err, "%s: metadata key %s is not a string", b->name, key);
    bool has_factor = false, has_old = false;
    float factor = 1.0f, old = 1.0f;
    if (arch_f32(b, "rope.scaling.factor", 1.0f, &factor, &has_factor)) return -1;
    if (arch_f32(b, "rope.scale_linear", 1.0f, &old, &has_old)) return -1;
    if (!has_factor && has_old) factor = old;
    c->rope_freq_scale = 1.0f;
    bool linear = st == GGUF_MISSING || (type.len == 6 && !eng_memcmp(type.ptr, "linear", 6));
    bool none = type.len == 4 && !eng_memcmp(type.ptr, "none", 4);
    if (none) return 0;
    if (!linear) {
        char shown[24];
        size_t n = type.len < sizeof shown - 1 ? (size_t)type.len : sizeof shown - 1;
        eng_memcpy(shown, type.ptr, n);
        shown[n] = 0;
        return llmbm_fail(b->err, "%s: rope scaling type '%s' is not supported (supported: none, linear)", b->name,
                          shown);
    }
    if (factor == 0.0f) factor = 1.0f; /* llama.cpp: 0 means unscaled */
    if (!(factor > 0.0f) || factor > 1e6f)
        return llmbm_fail(b->err, "%s: rope scaling factor %g is invalid", b->name, (double)factor);
    c->rope_freq_scale = 1.0f / factor;
    return 0;
}

static int read_config(builder *b, llmbm_config *c)
{
    uint32_t head_k, head_v;
    if (arch_u32(b, "embedding_length", true, 0, &c->dim) ||
        arch_u32(b, "feed_forward_length", true, 0, &c->hidden_dim) ||
        arch_u32(b, "block_count", true, 0, &c->n_layers) ||
        arch_u32(b, "attention.head_count", true, 0, &c->n_heads) ||
        arch_u32(b, "attention.head_count_kv", false, c->n_heads, &c->n_kv_heads) ||
        arch_u32(b, "context_length", true, 0, &c->seq_len))
        return -1;
    if (!c->n_heads) return llmbm_fail(b->err, "%s: %s.attention.head_count is zero", b->name, b->m->arch);
    if (arch_u32(b, "attention.key_length", false, c->dim / c->n_heads, &head_k) ||
        arch_u32(b, "attention.value_length", false, head_k, &head_v))
        return -1;
    if (head_k != head_v)
        return llmbm_fail(b->err, "%s: key_length %u != value_length %u is not supported", b->name, head_k, head_v);
    c->head_size = head_k;
    if (arch_f32(b, "rope.freq_base", 10000.0f, &c->rope_theta, 0) ||
        arch_f32(b, "attention.layer_norm_rms_epsilon", 1e-5f, &c->norm_eps, 0) ||
        arch_u32(b, "rope.dimension_count", false, c->head_size, &c->rope_dim) || read_rope_scaling(b, c))
        return -1;
    if (c->rope_dim == 0 || c->rope_dim % 2 || c->rope_dim > c->head_size)
        return llmbm_fail(b->err, "%s: rope.dimension_count %u must be even and at most the head size %u", b->name,
                          c->rope_dim, c->head_size);
    if (!(c->rope_theta > 0.0f)) return llmbm_fail(b->err, "%s: rope.freq_base must be positive", b->name);
    const llmbm_arch *a = b->m->arch_info;
    c->rope_mode = a->rope_mode;
    c->no_rope_every = a->no_rope_every;
    c->ffn_act = a->ffn_act;
    llmbm_arch_keys keys = keys_of(b);
    if (a->read_metadata && a->read_metadata(&keys, c)) return -1;
    /* The vocabulary is the tokenizer's token list; the embedding must match. */
    gguf_array toks;
    const gguf_tensor *emb = need_tensor(b, "token_embd.weight");
    if (!emb) return -1;
    if (gguf_get_array(b->g, "tokenizer.ggml.tokens", GGUF_T_STRING, &toks) == GGUF_OK) {
        if (toks.count > 0xffffffffu) return llmbm_fail(b->err, "%s: too many tokens", b->name);
        c->vocab_size = (uint32_t)toks.count;
    } else {
        c->vocab_size = emb->ne[1] > 0xffffffffu ? 0 : (uint32_t)emb->ne[1];
    }
    c->shared_classifier = gguf_find_tensor(b->g, "output.weight") == 0;
    return llmbm_config_validate(c, b->name, b->err);
}

static int read_layer(builder *b, uint32_t l, llmbm_layer *L)
{
    const llmbm_config *c = &b->m->config;
    uint32_t q_dim = c->n_heads * c->head_size, kv_dim = c->n_kv_heads * c->head_size;
    char n[64];
#define NAME(suffix) (eng_snprintf(n, sizeof n, "blk.%u." suffix, l), n)
    const llmbm_arch *a = b->m->arch_info;
    /* Q, K and V as one attn_qkv (phi3) or three tensors; gate and up as
     * ffn_up's two halves, gate first (phi3: ggml_swiglu's order), or two. */
    llmbm_weight *qkv[] = {&L->wq, &L->wk, &L->wv}, *gate_up[] = {&L->w1, &L->w3};
    const uint32_t qkv_rows[] = {q_dim, kv_dim, kv_dim}, gate_up_rows[] = {c->hidden_dim, c->hidden_dim};
    bool fused_qkv = gguf_find_tensor(b->g, NAME("attn_qkv.weight")) != 0;
    if (vector(b, NAME("attn_norm.weight"), c->dim, true, &L->rms_att) ||
        (fused_qkv ? split_matrix(b, NAME("attn_qkv.weight"), c->dim, 3, qkv_rows, qkv)
                   : matrix(b, NAME("attn_q.weight"), q_dim, c->dim, &L->wq) ||
                         matrix(b, NAME("attn_k.weight"), kv_dim, c->dim, &L->wk) ||
                         matrix(b, NAME("attn_v.weight"), kv_dim, c->dim, &L->wv)) ||
        matrix(b, NAME("attn_output.weight"), c->dim, q_dim, &L->wo) ||
        vector(b, NAME("ffn_norm.weight"), c->dim, true, &L->rms_ffn) ||
        (a->fused_gate_up ? split_matrix(b, NAME("ffn_up.weight"), c->dim, 2, gate_up_rows, gate_up)
                          : matrix(b, NAME("ffn_gate.weight"), c->hidden_dim, c->dim, &L->w1) ||
                                matrix(b, NAME("ffn_up.weight"), c->hidden_dim, c->dim, &L->w3)) ||
        matrix(b, NAME("ffn_down.weight"), c->dim, c->hidden_dim, &L->w2))
        return -1;
    /* qwen2 always has Q/K/V biases; llama files may carry them too. */
    if (vector(b, NAME("attn_q.bias"), q_dim, a->qkv_bias, &L->bq) ||
        vector(b, NAME("attn_k.bias"), kv_dim, a->qkv_bias, &L->bk) ||
        vector(b, NAME("attn_v.bias"), kv_dim, a->qkv_bias, &L->bv))
        return -1;
    if (a->qk_norm && (vector(b, NAME("attn_q_norm.weight"), c->head_size, true, &L->q_norm) ||
                       vector(b, NAME("attn_k_norm.weight"), c->head_size, true, &L->k_norm)))
        return -1;
    if (a->post_norms && (vector(b, NAME("post_attention_norm.weight"), c->dim, true, &L->post_attn_norm) ||
                          vector(b, NAME("post_ffw_norm.weight"), c->dim, true, &L->post_ffn_norm)))
        return -1;
    L->no_rope = c->no_rope_every && (l + 1) % c->no_rope_every == 0;
    L->local = c->swa_pattern && c->sliding_window && l % c->swa_pattern < c->swa_pattern - 1;
#undef NAME
    return 0;
}

static void count_mix(llmbm_model *m, const gguf_file *g)
{
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        const gguf_tensor *t = &g->tensors[i];
        uint32_t slot = t->type < LLMBM_TYPE_COUNT ? t->type : LLMBM_TYPE_SLOTS - 1;
        m->mix.count[slot]++;
        m->mix.bytes[slot] += t->n_bytes;
        m->mix.n_params += t->n_elements;
    }
}

/* The token embedding is read a row at a time, so it never gets an
 * interleaved layout; it takes its type's layout of single rows
 * (llmbm_row_layout: a Q4_0 one becomes Q4_0P) at every level. Without
 * memory for the scratch row it simply stays as stored, which every level
 * computes too. (The mat-vec matrices get their layouts afterwards, from
 * llmbm_model_relayout, once the kernel level is chosen.) */
static void embedding_to_row_layout(llmbm_model *m)
{
    llmbm_weight *w = &m->token_embedding;
    const llmbm_type layout = llmbm_row_layout(w->type);
    if (layout == w->type) return;
    void *scratch = plat_alloc(llmbm_relayout_scratch_bytes(layout, w->cols));
    if (!scratch) return;
    /* the tensor data the model owns, viewed read-only by the weight */
    llmbm_relayout((void *)(uintptr_t)w->data, w->rows, w->cols, layout, scratch);
    plat_free(scratch);
    w->type = layout;
    /* A shared classifier is a copy of the embedding's view: same bytes. */
    if (m->classifier.data == w->data) m->classifier.type = w->type;
}

int llmbm_gguf_model_build(llmbm_model *m, const gguf_file *g, void *data, const char *name, llmbm_err *err)
{
    builder b = {m, g, data, name, err, 0};
    m->format = LLMBM_FORMAT_GGUF;
    if (read_arch(&b) || read_config(&b, &m->config)) return -1;
    const llmbm_config *c = &m->config;
    uint64_t q_dim = (uint64_t)c->n_heads * c->head_size, kv_dim = (uint64_t)c->n_kv_heads * c->head_size;
    /* Side buffer: 2 (gemma: 4) norms per layer + the final norm, biases, Q/K norms, rope factors. */
    uint64_t aux =
        (4ull * c->n_layers + 1) * c->dim + c->n_layers * (q_dim + 2 * kv_dim + 2ull * c->head_size) + c->rope_dim + 16;
    m->aux = plat_alloc((size_t)aux * sizeof(float));
    m->layers = plat_alloc((size_t)c->n_layers * sizeof(llmbm_layer));
    if (!m->aux || !m->layers) return llmbm_fail(err, "%s: out of memory for the layer table", name);
    eng_memset(m->layers, 0, (size_t)c->n_layers * sizeof(llmbm_layer));
    b.aux_next = m->aux;
    if (matrix(&b, "token_embd.weight", c->vocab_size, c->dim, &m->token_embedding)) return -1;
    for (uint32_t l = 0; l < c->n_layers; l++)
        if (read_layer(&b, l, &m->layers[l])) return -1;
    if (vector(&b, "output_norm.weight", c->dim, true, &m->rms_final)) return -1;
    if (c->shared_classifier)
        m->classifier = m->token_embedding;
    else if (matrix(&b, "output.weight", c->vocab_size, c->dim, &m->classifier))
        return -1;
    if (vector(&b, "rope_freqs.weight", c->rope_dim / 2, false, &m->rope_freqs)) return -1;
    /* LongRoPE (phi3): both factor sets; the transformer picks one by its context length */
    if (m->arch_info->longrope && !m->rope_freqs &&
        (vector(&b, "rope_factors_short.weight", c->rope_dim / 2, false, &m->rope_freqs) ||
         vector(&b, "rope_factors_long.weight", c->rope_dim / 2, false, &m->rope_freqs_long)))
        return -1;
    count_mix(m, g);
    embedding_to_row_layout(m);
    return 0;
}
