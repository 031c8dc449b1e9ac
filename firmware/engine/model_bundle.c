/* The one model loader (model_bundle.h): one open, one format decision, one
 * GGUF header parse shared by the model and its tokenizer, one block reader
 * that reports progress. */
#include "model_bundle.h"

#include "gguf_model.h"
#include "llama2c.h"
#include "tokenizer_gguf.h"

/* Large reads keep the FAT driver issuing big block I/O; 32 MiB also gives
 * a progress bar a few steps per second on a USB 3 stick. */
#define READ_CHUNK (32u << 20)

typedef struct load_run {
    const llmbm_load_opts *o;
    const char *name;
    llmbm_format format;
    uint64_t size;
} load_run;

static void report(const load_run *r, llmbm_load_phase phase, uint64_t done)
{
    if (!r->o->progress) return;
    llmbm_load_progress p = {phase, r->format, done, r->size};
    r->o->progress(r->o->ctx, &p);
}

/* Bytes [offset, offset + len) of the file into dst, block by block. */
static int read_blocks(const load_run *r, plat_file *f, uint64_t offset, void *dst, uint64_t len, llmbm_err *err)
{
    for (uint64_t done = 0; done < len;) {
        size_t n = len - done < READ_CHUNK ? (size_t)(len - done) : READ_CHUNK;
        if (!plat_read(f, offset + done, (char *)dst + done, n))
            return llmbm_fail(err, "%s: read error at byte %llu of %llu: the file or its disk may be damaged", r->name,
                              (unsigned long long)(offset + done), (unsigned long long)r->size);
        done += n;
        report(r, LLMBM_LOAD_WEIGHTS, offset + done);
    }
    report(r, LLMBM_LOAD_READ, r->size);
    return 0;
}

/* Frees what a failed GGUF build allocated (not the file data). */
static void free_partial(llmbm_model *m)
{
    if (m->layers) plat_free(m->layers);
    if (m->aux) plat_free(m->aux);
    eng_memset(m, 0, sizeof *m);
}

/* The tensor data section into one block the model owns, so memory is the
 * file size (plat_alloc's 64-byte alignment keeps every tensor at the
 * file's general.alignment), and the model built over it. */
static int read_gguf_model(const load_run *r, plat_file *f, const gguf_file *g, llmbm_model *out, llmbm_err *err)
{
    /* With tensors, the parser already refused a data section past the end. */
    uint64_t len = g->file_size - g->data_offset;
    void *data = len <= SIZE_MAX / 2 ? plat_alloc(len ? (size_t)len : 1) : 0;
    if (!data)
        return llmbm_fail(err, "%s: out of memory reading %llu bytes of tensor data", r->name, (unsigned long long)len);
    if (read_blocks(r, f, g->data_offset, data, len, err)) {
        plat_free(data);
        return -1;
    }
    llmbm_model m;
    eng_memset(&m, 0, sizeof m);
    rt_copy_string(m.path, sizeof m.path, r->name);
    if (llmbm_gguf_model_build(&m, g, data, r->name, err)) {
        free_partial(&m);
        plat_free(data);
        return -1;
    }
    m.file_size = g->file_size;
    m.file_data = data;
    *out = m;
    return 0;
}

/* A GGUF file: the header once, then the model over its tensor data and
 * the tokenizer over its metadata, as the options ask. */
static int load_gguf(const load_run *r, plat_file *f, llmbm_bundle *b, llmbm_err *err)
{
    const llmbm_load_opts *o = r->o;
    gguf_file g;
    if (gguf_open_file(&g, f, r->size, r->name, err)) return -1;
    /* Before sizing the data: a file without tensors (a vocab-only GGUF) may
     * end before the aligned start of its data section. */
    if (!g.n_tensors && !o->allow_no_tensors && !o->vocabulary_only) {
        gguf_close(&g);
        return llmbm_fail(err, "%s: a GGUF file without tensors (vocabulary only?): not a model", r->name);
    }
    if (g.n_tensors && !o->vocabulary_only) {
        if (read_gguf_model(r, f, &g, &b->model, err)) {
            gguf_close(&g);
            return -1;
        }
        b->has_model = true;
    } else {
        report(r, LLMBM_LOAD_READ, r->size); /* the header was all there was to read */
    }
    bool want_tok = o->tokenizer != LLMBM_TOKENIZER_NONE || !b->has_model;
    if (!want_tok) {
        gguf_close(&g);
        return 0;
    }
    report(r, LLMBM_LOAD_TOKENIZER, r->size);
    llmbm_err tok_err;
    uint32_t vocab = b->has_model ? b->model.config.vocab_size : 0;
    if (!llmbm_tokenizer_from_gguf_file(&b->tok, &g, vocab, r->name, &tok_err)) {
        b->has_tokenizer = true;
        return 0;
    }
    if (o->tokenizer == LLMBM_TOKENIZER_OPTIONAL) {
        eng_memcpy(b->tokenizer_error, tok_err.msg, sizeof b->tokenizer_error);
        b->tokenizer_error[sizeof b->tokenizer_error - 1] = 0;
        if (!b->has_model) {
            b->header = g;
            b->has_header = true;
        } else {
            gguf_close(&g);
        }
        return 0;
    }
    gguf_close(&g);
    if (b->has_model) llmbm_model_free(&b->model);
    b->has_model = false;
    if (err) *err = tok_err;
    return -1;
}

/* A llama2.c checkpoint: the whole file in one block the model owns. */
static int load_llama2c(const load_run *r, plat_file *f, llmbm_bundle *b, llmbm_err *err)
{
    void *data = plat_alloc((size_t)r->size);
    if (!data) return llmbm_fail(err, "%s: out of memory reading %llu bytes", r->name, (unsigned long long)r->size);
    if (read_blocks(r, f, 0, data, r->size, err) || llmbm_model_parse(&b->model, data, r->size, r->name, err)) {
        plat_free(data);
        return -1;
    }
    b->has_model = true;
    return 0;
}

int llmbm_bundle_load_open(llmbm_bundle *b, plat_file *f, uint64_t size, const char *name, const llmbm_load_opts *o,
                           llmbm_err *err)
{
    eng_memset(b, 0, sizeof *b);
    if (size == 0) return llmbm_fail(err, "%s: model file is empty", name);
    if (size > (uint64_t)(SIZE_MAX / 2)) return llmbm_fail(err, "%s: file too large", name);
    /* The format, once: a short or unreadable start is left to the llama2.c
     * parser, which says what is wrong with it. */
    uint8_t magic[4] = {0, 0, 0, 0};
    bool gguf = size >= 4 && plat_read(f, 0, magic, 4) && !eng_memcmp(magic, "GGUF", 4);
    load_run r = {o, name, LLMBM_FORMAT_LLAMA2C_LEGACY, size};
    if (gguf)
        r.format = LLMBM_FORMAT_GGUF;
    else if (llmbm_llama2c_is_ak42(magic, 4))
        r.format = LLMBM_FORMAT_LLAMA2C_V1;
    if (o->admit && !o->admit(o->ctx, name, size)) {
        if (err) err->msg[0] = 0;
        return -1;
    }
    report(&r, LLMBM_LOAD_READING, 0);
    int rc = gguf ? load_gguf(&r, f, b, err) : load_llama2c(&r, f, b, err);
    if (rc) eng_memset(b, 0, sizeof *b);
    return rc;
}

int llmbm_bundle_load(llmbm_bundle *b, const char *path, const llmbm_load_opts *o, llmbm_err *err)
{
    eng_memset(b, 0, sizeof *b);
    uint64_t size = 0;
    plat_file *f = plat_open(path, &size);
    if (!f) return llmbm_fail(err, "%s: cannot open model file", path);
    int rc = llmbm_bundle_load_open(b, f, size, path, o, err);
    plat_close(f);
    return rc;
}

const gguf_file *llmbm_bundle_gguf_header(const llmbm_bundle *b)
{
    if (b->has_tokenizer) return llmbm_tokenizer_gguf_header(&b->tok);
    return b->has_header ? &b->header : 0;
}

void llmbm_bundle_free(llmbm_bundle *b)
{
    if (b->has_tokenizer) llmbm_tokenizer_free(&b->tok);
    if (b->has_model) llmbm_model_free(&b->model);
    if (b->has_header) gguf_close(&b->header);
    eng_memset(b, 0, sizeof *b);
}

int llmbm_model_read(llmbm_model *model, const char *path, llmbm_err *err)
{
    static const llmbm_load_opts model_only = {LLMBM_TOKENIZER_NONE, false, false, 0, 0, 0};
    llmbm_bundle b;
    if (llmbm_bundle_load(&b, path, &model_only, err)) return -1;
    *model = b.model;
    return 0;
}
