#include "llama2c.h"

#include "platform.h"

static int32_t read_i32(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (int32_t)v;
}

bool llmbm_llama2c_is_ak42(const uint8_t *data, uint64_t size)
{
    return size >= 4 && (uint32_t)read_i32(data) == LLMBM_AK42_MAGIC;
}

/* Walks the tensors in file order. With layers == NULL it only measures
 * (the dry run that validates every size before anything is allocated). */
typedef struct cursor {
    const uint8_t *data;
    uint64_t size;
    uint64_t off;
    const char *name;
    llmbm_err *err;
} cursor;

static int take(cursor *c, uint64_t count, uint64_t elem_bytes, const char *what, const void **out)
{
    uint64_t bytes, end;
    if (!eng_mul_u64(count, elem_bytes, &bytes) || !eng_add_u64(c->off, bytes, &end))
        return llmbm_fail(c->err, "%s: size of %s overflows (header dimensions are absurd)", c->name, what);
    if (end > c->size)
        return llmbm_fail(c->err, "%s: truncated: %s needs bytes %llu..%llu but the file has %llu", c->name, what,
                          (unsigned long long)c->off, (unsigned long long)end, (unsigned long long)c->size);
    if (elem_bytes == 4 && (c->off & 3))
        return llmbm_fail(c->err, "%s: %s at offset %llu is not 4-byte aligned (unsupported group size)", c->name, what,
                          (unsigned long long)c->off);
    if (out) *out = c->data + c->off;
    c->off = end;
    return 0;
}

static int take_f32(cursor *c, uint64_t count, const char *what, const float **out)
{
    const void *p = 0;
    if (take(c, count, 4, what, &p)) return -1;
    if (out) *out = p;
    return 0;
}

/* A matrix of `rows` x `cols`; fp32, or (gs > 0) int8 values then scales. */
static int take_matrix(cursor *c, uint32_t rows, uint32_t cols, uint32_t gs, const char *what, llmbm_weight *out)
{
    uint64_t count = (uint64_t)rows * cols;
    llmbm_weight w = {LLMBM_F32, rows, cols, 0, 0, 0};
    if (gs == 0) {
        if (take(c, count, 4, what, &w.data)) return -1;
    } else {
        const void *scales = 0;
        w.type = LLMBM_AK42_Q8;
        w.group_size = gs;
        if (take(c, count, 1, what, &w.data) || take(c, count / gs, 4, what, &scales)) return -1;
        w.scales = scales;
    }
    if (out) *out = w;
    return 0;
}

/* The per-layer matrices, tensor-major (all layers' wq, then all wk, ...),
 * which is the order of all three formats. */
static int take_layer_matrices(cursor *c, const llmbm_config *p, uint32_t gs, llmbm_layer *layers)
{
    uint32_t q_dim = p->n_heads * p->head_size, kv_dim = p->n_kv_heads * p->head_size;
    struct {
        size_t offset;
        uint32_t rows, cols;
        const char *what;
    } mats[] = {
        {offsetof(llmbm_layer, wq), q_dim, p->dim, "wq"},
        {offsetof(llmbm_layer, wk), kv_dim, p->dim, "wk"},
        {offsetof(llmbm_layer, wv), kv_dim, p->dim, "wv"},
        {offsetof(llmbm_layer, wo), p->dim, q_dim, "wo"},
        {offsetof(llmbm_layer, w1), p->hidden_dim, p->dim, "w1"},
        {offsetof(llmbm_layer, w2), p->dim, p->hidden_dim, "w2"},
        {offsetof(llmbm_layer, w3), p->hidden_dim, p->dim, "w3"},
    };
    for (size_t m = 0; m < sizeof mats / sizeof mats[0]; m++)
        for (uint32_t l = 0; l < p->n_layers; l++) {
            llmbm_weight *dst = layers ? (llmbm_weight *)((char *)&layers[l] + mats[m].offset) : 0;
            if (take_matrix(c, mats[m].rows, mats[m].cols, gs, mats[m].what, dst)) return -1;
        }
    return 0;
}

static int take_norms(cursor *c, const llmbm_config *p, llmbm_layer *layers, int which, const char *what)
{
    for (uint32_t l = 0; l < p->n_layers; l++) {
        const float **dst = !layers ? 0 : which == 0 ? &layers[l].rms_att : &layers[l].rms_ffn;
        if (take_f32(c, p->dim, what, dst)) return -1;
    }
    return 0;
}

static int walk_legacy(cursor *c, llmbm_model *m, llmbm_layer *layers)
{
    const llmbm_config *p = &m->config;
    llmbm_weight *emb = layers ? &m->token_embedding : 0;
    if (take_matrix(c, p->vocab_size, p->dim, 0, "token embedding", emb)) return -1;
    if (take_norms(c, p, layers, 0, "attention norms")) return -1;
    /* Legacy order interleaves the FFN norms between wo and w1. */
    uint32_t q_dim = p->n_heads * p->head_size, kv_dim = p->n_kv_heads * p->head_size;
    for (uint32_t l = 0; l < p->n_layers; l++)
        if (take_matrix(c, q_dim, p->dim, 0, "wq", layers ? &layers[l].wq : 0)) return -1;
    for (uint32_t l = 0; l < p->n_layers; l++)
        if (take_matrix(c, kv_dim, p->dim, 0, "wk", layers ? &layers[l].wk : 0)) return -1;
    for (uint32_t l = 0; l < p->n_layers; l++)
        if (take_matrix(c, kv_dim, p->dim, 0, "wv", layers ? &layers[l].wv : 0)) return -1;
    for (uint32_t l = 0; l < p->n_layers; l++)
        if (take_matrix(c, p->dim, q_dim, 0, "wo", layers ? &layers[l].wo : 0)) return -1;
    if (take_norms(c, p, layers, 1, "ffn norms")) return -1;
    for (uint32_t l = 0; l < p->n_layers; l++)
        if (take_matrix(c, p->hidden_dim, p->dim, 0, "w1", layers ? &layers[l].w1 : 0)) return -1;
    for (uint32_t l = 0; l < p->n_layers; l++)
        if (take_matrix(c, p->dim, p->hidden_dim, 0, "w2", layers ? &layers[l].w2 : 0)) return -1;
    for (uint32_t l = 0; l < p->n_layers; l++)
        if (take_matrix(c, p->hidden_dim, p->dim, 0, "w3", layers ? &layers[l].w3 : 0)) return -1;
    if (take_f32(c, p->dim, "final norm", layers ? &m->rms_final : 0)) return -1;
    /* The legacy RoPE tables (freq_cis_real/imag), unused: RoPE is computed. */
    uint64_t half_table = (uint64_t)p->seq_len * (p->head_size / 2);
    if (take_f32(c, half_table, "freq_cis_real", 0) || take_f32(c, half_table, "freq_cis_imag", 0)) return -1;
    if (!p->shared_classifier && take_matrix(c, p->vocab_size, p->dim, 0, "classifier", layers ? &m->classifier : 0))
        return -1;
    return 0;
}

static int walk_ak42(cursor *c, llmbm_model *m, llmbm_layer *layers)
{
    const llmbm_config *p = &m->config;
    uint32_t gs = m->format == LLMBM_FORMAT_LLAMA2C_V2 ? p->group_size : 0;
    if (take_norms(c, p, layers, 0, "attention norms") || take_norms(c, p, layers, 1, "ffn norms") ||
        take_f32(c, p->dim, "final norm", layers ? &m->rms_final : 0))
        return -1;
    if (take_matrix(c, p->vocab_size, p->dim, gs, "token embedding", layers ? &m->token_embedding : 0)) return -1;
    if (take_layer_matrices(c, p, gs, layers)) return -1;
    if (!p->shared_classifier && take_matrix(c, p->vocab_size, p->dim, gs, "classifier", layers ? &m->classifier : 0))
        return -1;
    return 0;
}

static int read_header(llmbm_model *m, const uint8_t *data, uint64_t size, const char *name, llmbm_err *err,
                       uint64_t *weights_off)
{
    llmbm_config *p = &m->config;
    const uint8_t *h = data;
    if (llmbm_llama2c_is_ak42(data, size)) {
        if (size < LLMBM_AK42_HEADER_BYTES)
            return llmbm_fail(err, "%s: truncated: %llu bytes, shorter than the 256-byte ak42 header", name,
                              (unsigned long long)size);
        int32_t version = read_i32(data + 4);
        if (version != 1 && version != 2)
            return llmbm_fail(err, "%s: unsupported ak42 version %d (llmbm reads versions 1 and 2)", name,
                              (int)version);
        m->format = version == 1 ? LLMBM_FORMAT_LLAMA2C_V1 : LLMBM_FORMAT_LLAMA2C_V2;
        h = data + 8;
        p->shared_classifier = data[36] != 0;
        if (version == 2) {
            int32_t gs = read_i32(data + 37);
            if (gs <= 0) return llmbm_fail(err, "%s: invalid Q8_0 group size %d", name, (int)gs);
            p->group_size = (uint32_t)gs;
        }
        *weights_off = LLMBM_AK42_HEADER_BYTES;
    } else {
        if (size < LLMBM_LLAMA2C_LEGACY_HEADER_BYTES)
            return llmbm_fail(err, "%s: truncated: %llu bytes, shorter than a llama2.c header", name,
                              (unsigned long long)size);
        m->format = LLMBM_FORMAT_LLAMA2C_LEGACY;
        *weights_off = LLMBM_LLAMA2C_LEGACY_HEADER_BYTES;
    }
    int32_t v[7];
    for (int i = 0; i < 7; i++) v[i] = read_i32(h + 4 * i);
    const char *names[7] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
    if (m->format == LLMBM_FORMAT_LLAMA2C_LEGACY) {
        /* run.c: a negative vocab size flags an unshared classifier. */
        p->shared_classifier = v[5] > 0;
        if (v[5] < 0 && v[5] != INT32_MIN) v[5] = -v[5];
    }
    for (int i = 0; i < 7; i++)
        if (v[i] <= 0)
            return llmbm_fail(err, "%s: not a llama2.c checkpoint: header field %s is %d", name, names[i], (int)v[i]);
    p->dim = (uint32_t)v[0];
    p->hidden_dim = (uint32_t)v[1];
    p->n_layers = (uint32_t)v[2];
    p->n_heads = (uint32_t)v[3];
    p->n_kv_heads = (uint32_t)v[4];
    p->vocab_size = (uint32_t)v[5];
    p->seq_len = (uint32_t)v[6];
    p->rope_theta = 10000.0f;
    p->norm_eps = 1e-5f;
    if (p->dim % p->n_heads)
        return llmbm_fail(err, "%s: dim %u is not a multiple of n_heads %u", name, p->dim, p->n_heads);
    p->head_size = p->dim / p->n_heads;
    if (llmbm_config_validate(p, name, err)) return -1;
    if (p->group_size && (p->dim % p->group_size || p->hidden_dim % p->group_size))
        return llmbm_fail(err, "%s: Q8_0 group size %u does not divide dim %u and hidden_dim %u", name, p->group_size,
                          p->dim, p->hidden_dim);
    return 0;
}

int llmbm_llama2c_parse(llmbm_model *m, const uint8_t *data, uint64_t size, const char *name, llmbm_err *err)
{
    uint64_t off = 0;
    m->layers = 0;
    if (read_header(m, data, size, name, err, &off)) return -1;
    int (*walk)(cursor *, llmbm_model *, llmbm_layer *) =
        m->format == LLMBM_FORMAT_LLAMA2C_LEGACY ? walk_legacy : walk_ak42;
    cursor dry = {data, size, off, name, err};
    if (walk(&dry, m, 0)) return -1;
    if (dry.off != size)
        return llmbm_fail(err,
                          "%s: %llu bytes after the last tensor: the header disagrees with the file size %llu "
                          "(wrong vocab sign or dimensions?)",
                          name, (unsigned long long)(size - dry.off), (unsigned long long)size);
    llmbm_layer *layers = plat_alloc((size_t)m->config.n_layers * sizeof *layers);
    if (!layers) return llmbm_fail(err, "%s: out of memory for %u layers", name, m->config.n_layers);
    eng_memset(layers, 0, (size_t)m->config.n_layers * sizeof *layers);
    cursor c = {data, size, off, name, err};
    if (walk(&c, m, layers)) {
        plat_free(layers);
        return -1;
    }
    m->layers = layers;
    if (m->config.shared_classifier) m->classifier = m->token_embedding;
    return 0;
}
