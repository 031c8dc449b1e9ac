/* gguf-dump-test FILE: the parsed GGUF in a canonical text form that
 * tests/python/test_gguf_reader.py rebuilds from gguf-py's GGUFReader.
 * Bytes are printed as hex and floats as bit patterns, so the comparison
 * is exact. On a parse error: "error: MESSAGE" and exit status 1.
 * gguf-dump-test --describe FILE prints gguf_describe's summary. */
#include <stdio.h>
#include <string.h>

#include "gguf.h"

static void hex(const void *p, uint64_t n)
{
    const unsigned char *b = p;
    for (uint64_t i = 0; i < n; i++) printf("%02x", b[i]);
}

static void dump_value(const gguf_file *g, const gguf_kv *kv)
{
    if (kv->type == GGUF_T_ARRAY) {
        printf("array %s %llu ", gguf_vtype_name(kv->elem_type), (unsigned long long)kv->count);
        gguf_array a;
        a.g = g;
        a.kv = kv;
        a.type = kv->elem_type;
        a.count = kv->count;
        a.data = g->meta + kv->value_off;
        if (kv->elem_type == GGUF_T_STRING) {
            for (uint64_t i = 0; i < kv->count; i++) {
                gguf_str s = gguf_array_str(&a, i);
                if (i) putchar(',');
                hex(s.ptr, s.len);
            }
        } else if (kv->elem_type != GGUF_T_ARRAY) {
            static const int sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
            hex(a.data, kv->count * (uint64_t)sizes[kv->elem_type]);
        }
        putchar('\n');
        return;
    }
    printf("%s ", gguf_vtype_name(kv->type));
    switch (kv->type) {
        case GGUF_T_STRING: {
            gguf_str s = gguf_kv_str(g, kv);
            hex(s.ptr, s.len);
            break;
        }
        case GGUF_T_F32:
        case GGUF_T_F64: hex(g->meta + kv->value_off, kv->type == GGUF_T_F32 ? 4 : 8); break;
        case GGUF_T_I8:
        case GGUF_T_I16:
        case GGUF_T_I32:
        case GGUF_T_I64: printf("%lld", (long long)gguf_kv_i64(g, kv)); break;
        default: printf("%llu", (unsigned long long)gguf_kv_u64(g, kv)); break;
    }
    putchar('\n');
}

static void write_stdout(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    fwrite(text, 1, len, stdout);
}

int main(int argc, char **argv)
{
    bool describe = argc == 3 && strcmp(argv[1], "--describe") == 0;
    if (argc != 2 && !describe) {
        fprintf(stderr, "usage: %s [--describe] FILE\n", argv[0]);
        return 2;
    }
    gguf_file g;
    llmbm_err err;
    if (gguf_open(&g, argv[argc - 1], &err) != 0) {
        printf("error: %s\n", err.msg);
        return 1;
    }
    if (describe) {
        gguf_describe(&g, write_stdout, NULL, 0);
        gguf_close(&g);
        return 0;
    }
    printf("version %u\nalignment %u\ndata_offset %llu\n", g.version, g.alignment, (unsigned long long)g.data_offset);
    for (uint64_t i = 0; i < g.n_kv; i++) {
        const gguf_kv *kv = gguf_kv_at(&g, i);
        printf("kv %.*s ", (int)kv->key.len, kv->key.ptr);
        dump_value(&g, kv);
    }
    for (uint64_t i = 0; i < g.n_tensors; i++) {
        const gguf_tensor *t = &g.tensors[i];
        printf("tensor %.*s %u [", (int)t->name.len, t->name.ptr, t->type);
        for (uint32_t d = 0; d < t->n_dims; d++) printf("%s%llu", d ? "," : "", (unsigned long long)t->ne[d]);
        printf("] %llu %llu %llu\n", (unsigned long long)t->offset, (unsigned long long)t->file_offset,
               (unsigned long long)t->n_bytes);
    }
    gguf_close(&g);
    return 0;
}
