/* Lookups over a parsed GGUF file: keys, typed values, arrays, tensors,
 * and the ggml types (from the kernels' type table). */
#include "gguf.h"

#include "gguf_internal.h"
#include "quant_formats.h"

static const struct {
    const char *name;
    uint8_t size;
} vtypes[GGUF_T_COUNT] = {
    [GGUF_T_U8] = {"u8", 1},       [GGUF_T_I8] = {"i8", 1},     [GGUF_T_U16] = {"u16", 2},
    [GGUF_T_I16] = {"i16", 2},     [GGUF_T_U32] = {"u32", 4},   [GGUF_T_I32] = {"i32", 4},
    [GGUF_T_F32] = {"f32", 4},     [GGUF_T_BOOL] = {"bool", 1}, [GGUF_T_STRING] = {"string", 0},
    [GGUF_T_ARRAY] = {"array", 0}, [GGUF_T_U64] = {"u64", 8},   [GGUF_T_I64] = {"i64", 8},
    [GGUF_T_F64] = {"f64", 8},
};

const char *gguf_vtype_name(gguf_vtype t) { return (unsigned)t < GGUF_T_COUNT ? vtypes[t].name : "?"; }

uint64_t gguf_vtype_size(gguf_vtype t) { return (unsigned)t < GGUF_T_COUNT ? vtypes[t].size : 0; }

/* ggml's types are the kernels' type table (type_table.def): every entry but
 * our in-memory layouts, whose ids ggml retired, so a file that uses one is
 * refused like any retired or unknown id. */
bool gguf_type_info(uint32_t type, const char **name, uint32_t *block_size, uint32_t *block_bytes)
{
    const llmbm_type_traits *t = type < LLMBM_TYPE_COUNT ? llmbm_type_traits_of((llmbm_type)type) : NULL;
    if (!t || !t->in_files) return false;
    if (name) *name = t->name;
    if (block_size) *block_size = t->block_size;
    if (block_bytes) *block_bytes = t->block_bytes;
    return true;
}

const char *gguf_type_name(uint32_t type)
{
    const char *n;
    return gguf_type_info(type, &n, NULL, NULL) ? n : "?";
}

static bool str_eq(gguf_str s, const char *text)
{
    size_t n = eng_strlen(text);
    return s.len == n && __builtin_memcmp(s.ptr, text, n) == 0;
}

int64_t gguf_find_key(const gguf_file *g, const char *key)
{
    for (uint64_t i = 0; i < g->n_kv; i++)
        if (str_eq(g->kvs[i].key, key)) return (int64_t)i;
    return -1;
}

const gguf_kv *gguf_kv_at(const gguf_file *g, uint64_t index) { return index < g->n_kv ? &g->kvs[index] : NULL; }

const gguf_kv *gguf_get_kv(const gguf_file *g, const char *key)
{
    int64_t i = gguf_find_key(g, key);
    return i < 0 ? NULL : &g->kvs[i];
}

uint64_t gguf_kv_u64(const gguf_file *g, const gguf_kv *kv)
{
    const uint8_t *b = g->meta + kv->value_off;
    switch (kv->type) {
        case GGUF_T_U8:
        case GGUF_T_BOOL: return b[0];
        case GGUF_T_U16: return (uint64_t)b[0] | (uint64_t)b[1] << 8;
        case GGUF_T_U32: return gguf_rd_u32(b);
        case GGUF_T_U64: return gguf_rd_u64(b);
        default: return 0;
    }
}

int64_t gguf_kv_i64(const gguf_file *g, const gguf_kv *kv)
{
    const uint8_t *b = g->meta + kv->value_off;
    switch (kv->type) {
        case GGUF_T_I8: return (int8_t)b[0];
        case GGUF_T_I16: return (int16_t)(uint16_t)(b[0] | b[1] << 8);
        case GGUF_T_I32: return (int32_t)gguf_rd_u32(b);
        case GGUF_T_I64: return (int64_t)gguf_rd_u64(b);
        default: return 0;
    }
}

double gguf_kv_f64(const gguf_file *g, const gguf_kv *kv)
{
    const uint8_t *b = g->meta + kv->value_off;
    if (kv->type == GGUF_T_F32) {
        float f;
        __builtin_memcpy(&f, b, 4);
        return f;
    }
    if (kv->type == GGUF_T_F64) {
        double d;
        __builtin_memcpy(&d, b, 8);
        return d;
    }
    return 0;
}

gguf_str gguf_kv_str(const gguf_file *g, const gguf_kv *kv)
{
    gguf_str s = {"", 0};
    if (kv->type == GGUF_T_STRING) {
        s.len = gguf_rd_u64(g->meta + kv->value_off);
        s.ptr = (const char *)g->meta + kv->value_off + 8;
    }
    return s;
}

static bool is_signed(gguf_vtype t) { return t == GGUF_T_I8 || t == GGUF_T_I16 || t == GGUF_T_I32 || t == GGUF_T_I64; }

static bool is_unsigned(gguf_vtype t)
{
    return t == GGUF_T_U8 || t == GGUF_T_U16 || t == GGUF_T_U32 || t == GGUF_T_U64;
}

/* Any integer kv as a value in [lo, hi]. */
static gguf_status get_int(const gguf_file *g, const char *key, int64_t lo, uint64_t hi, bool *neg, uint64_t *mag)
{
    const gguf_kv *kv = gguf_get_kv(g, key);
    if (!kv) return GGUF_MISSING;
    if (is_unsigned(kv->type)) {
        uint64_t v = gguf_kv_u64(g, kv);
        if (v > hi) return GGUF_WRONG_TYPE;
        *neg = false;
        *mag = v;
        return GGUF_OK;
    }
    if (is_signed(kv->type)) {
        int64_t v = gguf_kv_i64(g, kv);
        if (v < lo || (v > 0 && (uint64_t)v > hi)) return GGUF_WRONG_TYPE;
        *neg = v < 0;
        *mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        return GGUF_OK;
    }
    return GGUF_WRONG_TYPE;
}

gguf_status gguf_get_u32(const gguf_file *g, const char *key, uint32_t *out)
{
    bool neg;
    uint64_t m;
    gguf_status s = get_int(g, key, 0, UINT32_MAX, &neg, &m);
    if (s == GGUF_OK) *out = (uint32_t)m;
    return s;
}

gguf_status gguf_get_i32(const gguf_file *g, const char *key, int32_t *out)
{
    bool neg;
    uint64_t m;
    gguf_status s = get_int(g, key, INT32_MIN, INT32_MAX, &neg, &m);
    if (s == GGUF_OK) *out = neg ? (int32_t)(0 - (int64_t)m) : (int32_t)m;
    return s;
}

gguf_status gguf_get_u64(const gguf_file *g, const char *key, uint64_t *out)
{
    bool neg;
    uint64_t m;
    gguf_status s = get_int(g, key, 0, UINT64_MAX, &neg, &m);
    if (s == GGUF_OK) *out = m;
    return s;
}

gguf_status gguf_get_f32(const gguf_file *g, const char *key, float *out)
{
    const gguf_kv *kv = gguf_get_kv(g, key);
    if (!kv) return GGUF_MISSING;
    if (kv->type != GGUF_T_F32 && kv->type != GGUF_T_F64) return GGUF_WRONG_TYPE;
    *out = (float)gguf_kv_f64(g, kv);
    return GGUF_OK;
}

gguf_status gguf_get_bool(const gguf_file *g, const char *key, bool *out)
{
    const gguf_kv *kv = gguf_get_kv(g, key);
    if (!kv) return GGUF_MISSING;
    if (kv->type != GGUF_T_BOOL) return GGUF_WRONG_TYPE;
    *out = g->meta[kv->value_off] != 0;
    return GGUF_OK;
}

gguf_status gguf_get_str(const gguf_file *g, const char *key, gguf_str *out)
{
    const gguf_kv *kv = gguf_get_kv(g, key);
    if (!kv) return GGUF_MISSING;
    if (kv->type != GGUF_T_STRING) return GGUF_WRONG_TYPE;
    *out = gguf_kv_str(g, kv);
    return GGUF_OK;
}

bool gguf_str_is(const gguf_file *g, const char *key, const char *text)
{
    gguf_str s;
    return gguf_get_str(g, key, &s) == GGUF_OK && str_eq(s, text);
}

gguf_status gguf_get_array(const gguf_file *g, const char *key, gguf_vtype elem_type, gguf_array *out)
{
    const gguf_kv *kv = gguf_get_kv(g, key);
    if (!kv) return GGUF_MISSING;
    if (kv->type != GGUF_T_ARRAY || (elem_type != GGUF_T_COUNT && kv->elem_type != elem_type)) return GGUF_WRONG_TYPE;
    out->g = g;
    out->kv = kv;
    out->type = kv->elem_type;
    out->count = kv->count;
    out->data = g->meta + kv->value_off;
    return GGUF_OK;
}

gguf_str gguf_array_str(const gguf_array *a, uint64_t i)
{
    gguf_str s = {"", 0};
    if (a->type == GGUF_T_STRING && i < a->count) {
        const uint8_t *p = a->g->meta + a->kv->str_offs[i];
        s.len = gguf_rd_u64(p);
        s.ptr = (const char *)p + 8;
    }
    return s;
}

float gguf_array_f32(const gguf_array *a, uint64_t i)
{
    float f = 0;
    if (a->type == GGUF_T_F32 && i < a->count) __builtin_memcpy(&f, a->data + 4 * i, 4);
    return f;
}

int32_t gguf_array_i32(const gguf_array *a, uint64_t i)
{
    return (a->type == GGUF_T_I32 || a->type == GGUF_T_U32) && i < a->count ? (int32_t)gguf_rd_u32(a->data + 4 * i) : 0;
}

uint32_t gguf_array_u32(const gguf_array *a, uint64_t i) { return (uint32_t)gguf_array_i32(a, i); }

const gguf_tensor *gguf_find_tensor(const gguf_file *g, const char *name)
{
    for (uint64_t i = 0; i < g->n_tensors; i++)
        if (str_eq(g->tensors[i].name, name)) return &g->tensors[i];
    return NULL;
}

/* Open addressing over 32-bit slots holding index+1. */
static int find_dup(const gguf_str *(*get)(const gguf_file *, uint64_t), const gguf_file *g, uint64_t n, uint64_t *dup)
{
    uint64_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    uint32_t *slots = plat_alloc(cap * sizeof *slots);
    if (!slots) return -1;
    int found = 0;
    for (uint64_t i = 0; i < n && !found; i++) {
        const gguf_str *s = get(g, i);
        uint64_t h = gguf_hash(s->ptr, s->len, GGUF_HASH_SEED) & (cap - 1);
        for (; slots[h]; h = (h + 1) & (cap - 1)) {
            const gguf_str *o = get(g, slots[h] - 1);
            if (o->len == s->len && __builtin_memcmp(o->ptr, s->ptr, s->len) == 0) {
                *dup = i;
                found = 1;
                break;
            }
        }
        slots[h] = (uint32_t)(i + 1);
    }
    plat_free(slots);
    return found;
}

static const gguf_str *key_of(const gguf_file *g, uint64_t i) { return &g->kvs[i].key; }

static const gguf_str *name_of(const gguf_file *g, uint64_t i) { return &g->tensors[i].name; }

int gguf_check_unique(const gguf_file *g, llmbm_err *err)
{
    uint64_t d;
    int rc = find_dup(key_of, g, g->n_kv, &d);
    if (rc > 0)
        return llmbm_fail(err, "%s: metadata entry %llu: duplicate key '%.*s'", g->path, (unsigned long long)d,
                          (int)(g->kvs[d].key.len > 60 ? 60 : g->kvs[d].key.len), g->kvs[d].key.ptr);
    if (rc == 0) rc = find_dup(name_of, g, g->n_tensors, &d);
    if (rc > 0)
        return llmbm_fail(err, "%s: tensor %llu: duplicate name '%.*s'", g->path, (unsigned long long)d,
                          (int)(g->tensors[d].name.len > 60 ? 60 : g->tensors[d].name.len), g->tensors[d].name.ptr);
    if (rc < 0) return llmbm_fail(err, "%s: out of memory", g->path);
    return 0;
}
