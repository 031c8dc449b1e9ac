/* A human-readable summary of a GGUF file, for `llmbm info` and /model_info. */
#include "gguf.h"

#include "gguf_internal.h"

typedef struct out {
    gguf_write_fn write;
    void *ctx;
} out;

static void put(const out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(const out *o, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = eng_vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->write(o->ctx, line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}

/* A string, shortened and with control bytes escaped, so a chat template
 * or a binary token does not wreck the terminal. */
static void put_str(const out *o, gguf_str s, uint64_t max)
{
    char buf[200];
    size_t n = 0;
    buf[n++] = '"';
    for (uint64_t i = 0; i < s.len && i < max && n < sizeof buf - 8; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '\n')
            buf[n++] = '\\', buf[n++] = 'n';
        else if (c == '"' || c == '\\')
            buf[n++] = '\\', buf[n++] = (char)c;
        else if (c < 0x20 || c == 0x7f)
            n += (size_t)eng_snprintf(buf + n, 5, "\\x%02x", c);
        else
            buf[n++] = (char)c;
    }
    buf[n++] = '"';
    if (s.len > max) buf[n++] = '.', buf[n++] = '.', buf[n++] = '.';
    o->write(o->ctx, buf, n);
}

static void put_scalar(const out *o, const gguf_file *g, gguf_vtype t, const uint8_t *b)
{
    gguf_kv tmp = {.type = t, .value_off = (uint64_t)(b - g->meta)};
    switch (t) {
        case GGUF_T_BOOL: put(o, "%s", b[0] ? "true" : "false"); break;
        case GGUF_T_F32:
        case GGUF_T_F64: put(o, "%g", gguf_kv_f64(g, &tmp)); break;
        case GGUF_T_STRING: put_str(o, gguf_kv_str(g, &tmp), 48); break;
        case GGUF_T_I8:
        case GGUF_T_I16:
        case GGUF_T_I32:
        case GGUF_T_I64: put(o, "%lld", (long long)gguf_kv_i64(g, &tmp)); break;
        default: put(o, "%llu", (unsigned long long)gguf_kv_u64(g, &tmp)); break;
    }
}

static void put_kv(const out *o, const gguf_file *g, const gguf_kv *kv)
{
    put(o, "  %.*s: ", (int)(kv->key.len > 80 ? 80 : kv->key.len), kv->key.ptr);
    if (kv->type != GGUF_T_ARRAY) {
        put(o, "%s = ", gguf_vtype_name(kv->type));
        put_scalar(o, g, kv->type, g->meta + kv->value_off);
        put(o, "\n");
        return;
    }
    put(o, "array[%s] x %llu", gguf_vtype_name(kv->elem_type), (unsigned long long)kv->count);
    if (kv->elem_type == GGUF_T_ARRAY || kv->count == 0) {
        put(o, "\n");
        return;
    }
    put(o, " = [");
    uint64_t shown = kv->count < 4 ? kv->count : 4;
    for (uint64_t i = 0; i < shown; i++) {
        const uint8_t *b = kv->elem_type == GGUF_T_STRING
                               ? g->meta + kv->str_offs[i]
                               : g->meta + kv->value_off + i * gguf_vtype_size(kv->elem_type);
        if (i) put(o, ", ");
        put_scalar(o, g, kv->elem_type, b);
    }
    put(o, "%s]\n", kv->count > shown ? ", ..." : "");
}

void gguf_describe(const gguf_file *g, gguf_write_fn write, void *ctx, uint64_t max_tensors)
{
    const out o = {write, ctx};
    put(&o, "%s: GGUF v%u, %llu bytes, %llu metadata entries, %llu tensors, alignment %u, data at offset %llu\n",
        g->path, g->version, (unsigned long long)g->file_size, (unsigned long long)g->n_kv,
        (unsigned long long)g->n_tensors, g->alignment, (unsigned long long)g->data_offset);
    for (uint64_t i = 0; i < g->n_kv; i++) put_kv(&o, g, &g->kvs[i]);
    uint64_t n = max_tensors && max_tensors < g->n_tensors ? max_tensors : g->n_tensors;
    for (uint64_t i = 0; i < n; i++) {
        const gguf_tensor *t = &g->tensors[i];
        put(&o, "  tensor %.*s: %s [", (int)(t->name.len > 80 ? 80 : t->name.len), t->name.ptr,
            gguf_type_name(t->type));
        for (uint32_t d = 0; d < t->n_dims; d++) put(&o, "%s%llu", d ? ", " : "", (unsigned long long)t->ne[d]);
        put(&o, "] %llu bytes at %llu\n", (unsigned long long)t->n_bytes, (unsigned long long)t->file_offset);
    }
    if (n < g->n_tensors) put(&o, "  ... %llu more tensors\n", (unsigned long long)(g->n_tensors - n));
}
