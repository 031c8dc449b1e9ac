/* GGUF parsing: reads the header region by growing prefixes and validates
 * every count, length, type, dimension, offset and range in it. */
#include "gguf.h"

#include "gguf_internal.h"

/* The header region's size is only known after parsing it, so the parser
 * runs over a prefix of the file and asks for a longer one when it runs off
 * the end (need_more); the prefix grows 4x per attempt, so re-parsing costs
 * a small constant factor. Reads past the true file size are errors. */
#define GGUF_FIRST_READ (1u << 20)

typedef struct parser {
    gguf_file *g;
    const uint8_t *buf;
    uint64_t avail; /* bytes of the file present in buf */
    uint64_t pos;
    bool need_more;
    llmbm_err *err;
    /* what is being parsed, for messages */
    int section; /* 0 header, 1 metadata, 2 tensor infos, 3 tensor data */
    uint64_t index;
    gguf_str name;
} parser;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parser *p, const char *fmt, ...)
{
    char what[160] = "";
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    eng_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int name_len = p->name.len > 60 ? 60 : (int)p->name.len;
    if (p->section == 1)
        eng_snprintf(what, sizeof what, "metadata entry %llu%s%.*s%s: ", (unsigned long long)p->index,
                     p->name.ptr ? " '" : "", name_len, p->name.ptr ? p->name.ptr : "", p->name.ptr ? "'" : "");
    else if (p->section >= 2)
        eng_snprintf(what, sizeof what, "tensor %llu%s%.*s%s: ", (unsigned long long)p->index, p->name.ptr ? " '" : "",
                     name_len, p->name.ptr ? p->name.ptr : "", p->name.ptr ? "'" : "");
    return llmbm_fail(p->err, "%s: %s%s", p->g->path, what, msg);
}

/* n bytes at the cursor, or NULL (error set, or need_more). */
static const uint8_t *take(parser *p, uint64_t n, const char *what)
{
    if (n > p->g->file_size - p->pos) {
        fail(p, "file truncated: %s needs %llu bytes at offset %llu, the file has %llu", what, (unsigned long long)n,
             (unsigned long long)p->pos, (unsigned long long)p->g->file_size);
        return NULL;
    }
    if (n > p->avail - p->pos) {
        p->need_more = true;
        return NULL;
    }
    const uint8_t *at = p->buf + p->pos;
    p->pos += n;
    return at;
}

static bool take_u32(parser *p, uint32_t *v, const char *what)
{
    const uint8_t *b = take(p, 4, what);
    if (b) *v = gguf_rd_u32(b);
    return b != NULL;
}

static bool take_u64(parser *p, uint64_t *v, const char *what)
{
    const uint8_t *b = take(p, 8, what);
    if (b) *v = gguf_rd_u64(b);
    return b != NULL;
}

static uint64_t remaining(const parser *p) { return p->g->file_size - p->pos; }

/* A string: u64 length, then bytes. *len_off gets the prefix offset. */
static bool take_str(parser *p, gguf_str *s, uint64_t *len_off, const char *what)
{
    uint64_t at = p->pos, len;
    if (!take_u64(p, &len, what)) return false;
    if (len > remaining(p)) {
        fail(p, "%s length %llu at offset %llu exceeds the %llu bytes left in the file", what, (unsigned long long)len,
             (unsigned long long)at, (unsigned long long)remaining(p));
        return false;
    }
    const uint8_t *b = take(p, len, what);
    if (!b) return false;
    if (s) s->ptr = (const char *)b, s->len = len;
    if (len_off) *len_off = at;
    return true;
}

/* The smallest encoding of one value of type t (for count sanity checks). */
static uint64_t min_size(gguf_vtype t)
{
    if (t == GGUF_T_STRING) return 8;
    if (t == GGUF_T_ARRAY) return 12;
    return gguf_vtype_size(t);
}

static bool parse_value(parser *p, gguf_kv *kv, gguf_vtype type, int depth);

static bool parse_array(parser *p, gguf_kv *kv, int depth)
{
    uint32_t et;
    uint64_t count;
    if (!take_u32(p, &et, "array element type")) return false;
    if (et >= GGUF_T_COUNT) {
        fail(p, "unknown array element type %u at offset %llu", et, (unsigned long long)(p->pos - 4));
        return false;
    }
    if (et == GGUF_T_ARRAY && depth >= 1) {
        fail(p, "arrays nested more than two deep are not supported (offset %llu)", (unsigned long long)(p->pos - 4));
        return false;
    }
    if (!take_u64(p, &count, "array length")) return false;
    uint64_t need;
    if (!eng_mul_u64(count, min_size((gguf_vtype)et), &need) || need > remaining(p)) {
        fail(p, "array of %llu %s elements at offset %llu cannot fit in the %llu bytes left", (unsigned long long)count,
             gguf_vtype_name((gguf_vtype)et), (unsigned long long)(p->pos - 8), (unsigned long long)remaining(p));
        return false;
    }
    if (depth == 0) {
        kv->elem_type = (gguf_vtype)et;
        kv->count = count;
        kv->value_off = p->pos;
    }
    if (et != GGUF_T_STRING && et != GGUF_T_ARRAY) {
        if (!take(p, need, "array data")) return false;
        if (et == GGUF_T_BOOL) {
            for (uint64_t i = 0; i < count; i++) {
                uint8_t b = p->buf[p->pos - need + i];
                if (b > 1) {
                    fail(p, "bool array element %llu is %u, not 0 or 1", (unsigned long long)i, b);
                    return false;
                }
            }
        }
        return true;
    }
    if (et == GGUF_T_STRING && depth == 0 && count > 0) {
        kv->str_offs = plat_alloc(count * sizeof(uint32_t));
        if (!kv->str_offs) {
            fail(p, "out of memory for %llu strings", (unsigned long long)count);
            return false;
        }
    }
    for (uint64_t i = 0; i < count; i++) {
        if (et == GGUF_T_STRING) {
            uint64_t off;
            if (!take_str(p, NULL, &off, "array string")) return false;
            if (depth == 0) kv->str_offs[i] = (uint32_t)off; /* < 4 GiB: checked by the caller */
        } else if (!parse_value(p, kv, GGUF_T_ARRAY, depth + 1)) {
            return false;
        }
    }
    return true;
}

static bool parse_value(parser *p, gguf_kv *kv, gguf_vtype type, int depth)
{
    if (type == GGUF_T_ARRAY) return parse_array(p, kv, depth);
    uint64_t at = p->pos;
    if (depth == 0) kv->value_off = at;
    if (type == GGUF_T_STRING) return take_str(p, NULL, NULL, "string value");
    const uint8_t *b = take(p, gguf_vtype_size(type), "value");
    if (!b) return false;
    if (type == GGUF_T_BOOL && *b > 1) {
        fail(p, "bool value at offset %llu is %u, not 0 or 1", (unsigned long long)at, *b);
        return false;
    }
    return true;
}

static bool parse_kv(parser *p, gguf_kv *kv)
{
    uint32_t type;
    if (!take_str(p, &kv->key, NULL, "key")) return false;
    if (kv->key.len == 0) {
        fail(p, "empty key");
        return false;
    }
    p->name = kv->key;
    if (!take_u32(p, &type, "value type")) return false;
    if (type >= GGUF_T_COUNT) {
        fail(p, "unknown value type %u at offset %llu", type, (unsigned long long)(p->pos - 4));
        return false;
    }
    kv->type = kv->elem_type = (gguf_vtype)type;
    kv->count = 1;
    return parse_value(p, kv, kv->type, 0);
}

static bool parse_tensor_info(parser *p, gguf_tensor *t)
{
    if (!take_str(p, &t->name, NULL, "tensor name")) return false;
    p->name = t->name;
    if (t->name.len == 0) {
        fail(p, "empty tensor name");
        return false;
    }
    if (!take_u32(p, &t->n_dims, "dimension count")) return false;
    if (t->n_dims > GGUF_MAX_DIMS) {
        fail(p, "%u dimensions (at most %d are allowed)", t->n_dims, GGUF_MAX_DIMS);
        return false;
    }
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
        t->ne[d] = 1;
        if (d < t->n_dims) {
            if (!take_u64(p, &t->ne[d], "dimension")) return false;
            if (t->ne[d] == 0 || t->ne[d] > (uint64_t)INT64_MAX) {
                fail(p, "dimension %u is %llu", d, (unsigned long long)t->ne[d]);
                return false;
            }
        }
    }
    if (!take_u32(p, &t->type, "tensor type")) return false;
    if (!take_u64(p, &t->offset, "tensor data offset")) return false;
    return true;
}

/* Sizes, alignment and ranges of tensor t, once data_offset is known. */
static bool check_tensor(parser *p, gguf_tensor *t)
{
    gguf_file *g = p->g;
    const char *tname;
    uint32_t bs, bb;
    if (!gguf_type_info(t->type, &tname, &bs, &bb)) {
        fail(p, "unknown ggml type %u", t->type);
        return false;
    }
    if (t->ne[0] % bs != 0) {
        fail(p, "row length %llu is not a multiple of the %s block size %u", (unsigned long long)t->ne[0], tname, bs);
        return false;
    }
    uint64_t n = 1, bytes;
    bool ok = eng_mul_u64(t->ne[0] / bs, bb, &bytes);
    for (int d = 0; d < GGUF_MAX_DIMS; d++)
        if (!ok || !eng_mul_u64(n, t->ne[d], &n) || (d > 0 && !eng_mul_u64(bytes, t->ne[d], &bytes))) {
            fail(p, "shape [%llu, %llu, %llu, %llu] overflows 64 bits", (unsigned long long)t->ne[0],
                 (unsigned long long)t->ne[1], (unsigned long long)t->ne[2], (unsigned long long)t->ne[3]);
            return false;
        }
    t->n_elements = n;
    t->n_bytes = bytes;
    if (t->offset % g->alignment != 0) {
        fail(p, "data offset %llu is not a multiple of the alignment %u", (unsigned long long)t->offset, g->alignment);
        return false;
    }
    uint64_t end;
    if (!eng_add_u64(g->data_offset, t->offset, &t->file_offset) || !eng_add_u64(t->file_offset, bytes, &end) ||
        end > g->file_size) {
        fail(p, "data [%llu, +%llu) at data offset %llu runs past the end of the %llu-byte file",
             (unsigned long long)t->file_offset, (unsigned long long)bytes, (unsigned long long)t->offset,
             (unsigned long long)g->file_size);
        return false;
    }
    return true;
}

/* Heap sort of tensor indices by offset (no libc qsort; O(n log n) even on
 * hostile counts). */
static void sift(const gguf_tensor *t, uint32_t *ix, uint64_t root, uint64_t n)
{
    for (;;) {
        uint64_t c = 2 * root + 1;
        if (c >= n) return;
        if (c + 1 < n && t[ix[c + 1]].offset > t[ix[c]].offset) c++;
        if (t[ix[root]].offset >= t[ix[c]].offset) return;
        uint32_t tmp = ix[root];
        ix[root] = ix[c];
        ix[c] = tmp;
        root = c;
    }
}

static bool check_overlaps(parser *p)
{
    gguf_file *g = p->g;
    uint64_t n = g->n_tensors;
    if (n < 2) return true;
    uint32_t *ix = plat_alloc(n * sizeof *ix);
    if (!ix) {
        fail(p, "out of memory");
        return false;
    }
    for (uint64_t i = 0; i < n; i++) ix[i] = (uint32_t)i;
    for (uint64_t i = n / 2; i-- > 0;) sift(g->tensors, ix, i, n);
    for (uint64_t end = n; end-- > 1;) {
        uint32_t tmp = ix[0];
        ix[0] = ix[end];
        ix[end] = tmp;
        sift(g->tensors, ix, 0, end);
    }
    bool ok = true;
    for (uint64_t i = 0; i + 1 < n && ok; i++) {
        const gguf_tensor *a = &g->tensors[ix[i]], *b = &g->tensors[ix[i + 1]];
        if (a->offset + a->n_bytes > b->offset) {
            p->index = ix[i + 1];
            p->name = b->name;
            fail(p, "data at offset %llu overlaps tensor '%.*s' [%llu, +%llu)", (unsigned long long)b->offset,
                 (int)(a->name.len > 60 ? 60 : a->name.len), a->name.ptr, (unsigned long long)a->offset,
                 (unsigned long long)a->n_bytes);
            ok = false;
        }
    }
    plat_free(ix);
    return ok;
}

static bool check_alignment_key(parser *p)
{
    gguf_file *g = p->g;
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    int64_t i = gguf_find_key(g, "general.alignment");
    if (i < 0) return true;
    const gguf_kv *kv = &g->kvs[i];
    p->section = 1;
    p->index = (uint64_t)i;
    p->name = kv->key;
    if (kv->type != GGUF_T_U32) {
        fail(p, "must be a u32, not %s", gguf_vtype_name(kv->type));
        return false;
    }
    uint32_t a = gguf_rd_u32(g->meta + kv->value_off);
    if (a == 0 || (a & (a - 1)) != 0) {
        fail(p, "alignment %u is not a power of two", a);
        return false;
    }
    g->alignment = a;
    return true;
}

static int parse(parser *p)
{
    gguf_file *g = p->g;
    const uint8_t *b;
    uint32_t version;
    uint64_t n_tensors, n_kv;

    p->section = 0;
    if (!(b = take(p, 4, "magic"))) return -1;
    if (rt_memcmp(b, "GGUF", 4) != 0)
        return fail(p, "not a GGUF file (magic %02x %02x %02x %02x, expected \"GGUF\")", b[0], b[1], b[2], b[3]);
    if (!take_u32(p, &version, "version")) return -1;
    if (version == 1)
        return fail(p, "GGUF version 1 is not supported (it used 32-bit counts); re-convert the model with a "
                       "current llama.cpp");
    if (version != 2 && version != 3)
        return fail(p, "unsupported GGUF version %u%s", version,
                    (version & 0xffff) == 0 ? " (a big-endian file?)" : " (2 and 3 are supported)");
    g->version = version;
    if (!take_u64(p, &n_tensors, "tensor count") || !take_u64(p, &n_kv, "metadata count")) return -1;
    /* every entry needs some bytes: reject counts the file cannot hold
     * before allocating for them */
    uint64_t need_kv, need_t, need;
    if (!eng_mul_u64(n_kv, 13, &need_kv) || !eng_mul_u64(n_tensors, 24, &need_t) ||
        !eng_add_u64(need_kv, need_t, &need) || need > remaining(p) || n_tensors > UINT32_MAX)
        return fail(p, "%llu tensors and %llu metadata entries cannot fit in a %llu-byte file",
                    (unsigned long long)n_tensors, (unsigned long long)n_kv, (unsigned long long)g->file_size);
    g->kvs = plat_alloc((n_kv ? n_kv : 1) * sizeof(gguf_kv));
    g->tensors = plat_alloc((n_tensors ? n_tensors : 1) * sizeof(gguf_tensor));
    if (!g->kvs || !g->tensors) return fail(p, "out of memory for %llu tensor infos", (unsigned long long)n_tensors);

    p->section = 1;
    for (uint64_t i = 0; i < n_kv; i++) {
        p->index = i;
        p->name.ptr = NULL;
        p->name.len = 0;
        g->n_kv = i + 1; /* so gguf_close frees this entry's arrays */
        if (!parse_kv(p, &g->kvs[i])) return -1;
        if (p->pos > UINT32_MAX) return fail(p, "metadata larger than 4 GiB is not supported");
    }
    p->section = 2;
    for (uint64_t i = 0; i < n_tensors; i++) {
        p->index = i;
        p->name.ptr = NULL;
        p->name.len = 0;
        if (!parse_tensor_info(p, &g->tensors[i])) return -1;
        g->n_tensors = i + 1;
    }
    p->name.ptr = NULL;
    p->name.len = 0;
    if (gguf_check_unique(g, p->err)) return -1;
    if (!check_alignment_key(p)) return -1;
    p->section = 0;
    g->meta_len = p->pos;
    g->data_offset = (p->pos + g->alignment - 1) / g->alignment * g->alignment;
    if (n_tensors > 0 && g->data_offset > g->file_size)
        return fail(p, "the data section would start at offset %llu, past the end of the %llu-byte file",
                    (unsigned long long)g->data_offset, (unsigned long long)g->file_size);
    p->section = 3;
    for (uint64_t i = 0; i < n_tensors; i++) {
        p->index = i;
        p->name = g->tensors[i].name;
        if (!check_tensor(p, &g->tensors[i])) return -1;
    }
    return check_overlaps(p) ? 0 : -1;
}

static void free_index(gguf_file *g)
{
    for (uint64_t i = 0; g->kvs && i < g->n_kv; i++) plat_free(g->kvs[i].str_offs);
    plat_free(g->kvs);
    plat_free(g->tensors);
    g->kvs = NULL;
    g->tensors = NULL;
    g->n_kv = g->n_tensors = 0;
}

void gguf_close(gguf_file *g)
{
    if (!g) return;
    free_index(g);
    plat_free(g->meta);
    if (g->file) plat_close(g->file);
    rt_memset(g, 0, sizeof *g);
}

/* One parse attempt over buf[0, avail). 1: need a longer prefix. */
static int attempt(gguf_file *g, uint8_t *buf, uint64_t avail, llmbm_err *err)
{
    parser p = {.g = g, .buf = buf, .avail = avail, .err = err};
    g->meta = buf;
    int rc = parse(&p);
    if (rc == 0) return 0;
    free_index(g);
    return p.need_more ? 1 : -1;
}

/* The last prefix read may be up to 4x the header region (and mostly tensor
 * data): keep only the region, moving the pointers into it along. */
static void shrink_meta(gguf_file *g, uint64_t buf_len)
{
    if (buf_len - g->meta_len < (64u << 10)) return;
    uint8_t *nb = plat_alloc(g->meta_len ? g->meta_len : 1);
    if (!nb) return; /* keeping the larger buffer is fine */
    rt_memcpy(nb, g->meta, g->meta_len);
    for (uint64_t i = 0; i < g->n_kv; i++)
        g->kvs[i].key.ptr = (const char *)nb + (g->kvs[i].key.ptr - (const char *)g->meta);
    for (uint64_t i = 0; i < g->n_tensors; i++)
        g->tensors[i].name.ptr = (const char *)nb + (g->tensors[i].name.ptr - (const char *)g->meta);
    plat_free(g->meta);
    g->meta = nb;
}

int gguf_parse_memory(gguf_file *g, const void *data, size_t size, const char *name, llmbm_err *err)
{
    rt_memset(g, 0, sizeof *g);
    rt_copy_string(g->path, sizeof g->path, name);
    g->file_size = size;
    uint8_t *buf = plat_alloc(size ? size : 1);
    if (!buf) return llmbm_fail(err, "%s: out of memory for %zu bytes", g->path, size);
    if (size) rt_memcpy(buf, data, size);
    if (attempt(g, buf, size, err) != 0) { /* need_more is impossible: all bytes are here */
        plat_free(buf);
        rt_memset(g, 0, sizeof *g);
        return -1;
    }
    return 0;
}

int gguf_open_file(gguf_file *g, plat_file *f, uint64_t size, const char *name, llmbm_err *err)
{
    rt_memset(g, 0, sizeof *g);
    rt_copy_string(g->path, sizeof g->path, name);
    g->file_size = size;
    uint8_t *buf = NULL;
    uint64_t have = 0, want = size < GGUF_FIRST_READ ? size : GGUF_FIRST_READ;
    for (;;) {
        uint8_t *nb = plat_alloc(want ? want : 1);
        if (!nb) {
            plat_free(buf);
            rt_memset(g, 0, sizeof *g);
            return llmbm_fail(err, "%s: out of memory reading %llu header bytes", name, (unsigned long long)want);
        }
        if (have) rt_memcpy(nb, buf, have);
        plat_free(buf);
        buf = nb;
        if (want > have && !plat_read(f, have, buf + have, want - have)) {
            plat_free(buf);
            rt_memset(g, 0, sizeof *g);
            return llmbm_fail(err, "%s: read error at offset %llu", name, (unsigned long long)have);
        }
        have = want;
        int rc = attempt(g, buf, have, err);
        if (rc == 0) break;
        if (rc < 0 || have == size) {
            plat_free(buf);
            rt_memset(g, 0, sizeof *g);
            return -1;
        }
        want = size / 4 < have ? size : have * 4;
    }
    shrink_meta(g, have);
    return 0;
}

int gguf_open(gguf_file *g, const char *path, llmbm_err *err)
{
    rt_memset(g, 0, sizeof *g);
    uint64_t size;
    plat_file *f = plat_open(path, &size);
    if (!f) return llmbm_fail(err, "%s: cannot open the file", path);
    if (gguf_open_file(g, f, size, path, err)) {
        plat_close(f);
        return -1;
    }
    g->file = f;
    return 0;
}
