/* The bundle loader (model_bundle.h) on the shared test models: one open of
 * the file per load (plat_open is wrapped at link time to count them), the
 * progress callback's sequence, the budget's veto, a GGUF's tokenizer from
 * the model's own header equal to one read on its own, vocabulary-only
 * loads, and the messages of missing and empty files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gguf.h"
#include "model_bundle.h"

static int opens;
plat_file *__real_plat_open(const char *path, uint64_t *size_out);
plat_file *__wrap_plat_open(const char *path, uint64_t *size_out);
plat_file *__wrap_plat_open(const char *path, uint64_t *size_out)
{
    opens++;
    return __real_plat_open(path, size_out);
}

/* What the progress callback heard, checked against the phase order. */
typedef struct heard {
    int calls, reading, weights, read, tokenizer;
    /* READING first, WEIGHTS growing, one READ with done == total, then at
     * most the TOKENIZER phase */
    bool in_order;
    uint64_t last_done, total;
    llmbm_format format;
} heard;

static void listen(void *ctx, const llmbm_load_progress *p)
{
    heard *h = ctx;
    if (h->calls++ == 0) {
        h->in_order = p->phase == LLMBM_LOAD_READING && p->done == 0;
        h->total = p->total;
        h->format = p->format;
    }
    if (p->total != h->total || p->done < h->last_done || (h->read && p->phase != LLMBM_LOAD_TOKENIZER))
        h->in_order = false;
    h->last_done = p->done;
    if (p->phase == LLMBM_LOAD_READING) h->reading++;
    if (p->phase == LLMBM_LOAD_WEIGHTS) h->weights++;
    if (p->phase == LLMBM_LOAD_READ) h->read++, h->in_order = h->in_order && p->done == p->total;
    if (p->phase == LLMBM_LOAD_TOKENIZER) h->tokenizer++, h->in_order = h->in_order && h->read == 1;
}

static bool refuse(void *ctx, const char *name, uint64_t size)
{
    (void)name;
    *(uint64_t *)ctx = size;
    return false;
}

static char data_dir[1024];

static const char *data(const char *name)
{
    static char path[1200];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    return path;
}

static void gguf_model_and_tokenizer(void)
{
    heard h = {0};
    llmbm_load_opts o = {LLMBM_TOKENIZER_REQUIRED, false, false, listen, 0, &h};
    llmbm_bundle b;
    llmbm_err err;
    opens = 0;
    CHECK_MSG(llmbm_bundle_load(&b, data("stories260K-q8_0-mix.gguf"), &o, &err) == 0, "%s", err.msg);
    CHECK(opens == 1);
    CHECK(b.has_model && b.has_tokenizer && b.model.format == LLMBM_FORMAT_GGUF);
    CHECK(b.tok.vocab_size == b.model.config.vocab_size && b.model.config.vocab_size == 512);
    CHECK(h.in_order && h.reading == 1 && h.weights >= 1 && h.read == 1 && h.tokenizer == 1);
    CHECK(h.format == LLMBM_FORMAT_GGUF);
    CHECK(h.total == b.model.file_size && h.last_done == h.total);
    CHECK(llmbm_bundle_gguf_header(&b) && llmbm_bundle_gguf_header(&b)->n_tensors == 48);
    /* The tokenizer from the shared header encodes as one read on its own. */
    llmbm_tokenizer alone;
    CHECK_MSG(llmbm_tokenizer_from_gguf(&alone, data("stories260K-q8_0-mix.gguf"), 512, &err) == 0, "%s", err.msg);
    const char *text = "Once upon a time, a little girl named Lily";
    int32_t a[64], c[64];
    size_t na = llmbm_encode(&b.tok, text, true, false, a), nc = llmbm_encode(&alone, text, true, false, c);
    CHECK(na > 5 && na == nc && !memcmp(a, c, na * sizeof *a));
    llmbm_tokenizer_free(&alone);
    llmbm_bundle_free(&b);
    CHECK(!b.has_model && !b.has_tokenizer);
}

static void budget_veto(void)
{
    uint64_t asked = 0;
    llmbm_load_opts o = {LLMBM_TOKENIZER_REQUIRED, false, false, 0, refuse, &asked};
    llmbm_bundle b;
    llmbm_err err;
    /* refused with the file's size, before anything is read: the callback said why */
    CHECK(llmbm_bundle_load(&b, data("stories260K-q8_0-mix.gguf"), &o, &err) == -1);
    CHECK(err.msg[0] == 0 && asked == 489248 && !b.has_model && !b.has_tokenizer);
}

static void llama2c_checkpoint(void)
{
    heard h = {0};
    llmbm_load_opts o = {LLMBM_TOKENIZER_REQUIRED, true, false, listen, 0, &h};
    llmbm_bundle b;
    llmbm_err err;
    opens = 0;
    /* vocabulary_only does not apply: a llama2.c model is what gives the vocab size */
    CHECK_MSG(llmbm_bundle_load(&b, data("stories260K.bin"), &o, &err) == 0, "%s", err.msg);
    CHECK(opens == 1 && b.has_model && !b.has_tokenizer && b.model.format == LLMBM_FORMAT_LLAMA2C_LEGACY);
    CHECK(h.in_order && h.read == 1 && h.tokenizer == 0 && h.total == 1056540);
    CHECK(h.format == LLMBM_FORMAT_LLAMA2C_LEGACY);
    CHECK(!llmbm_bundle_gguf_header(&b));
    /* and its tokenizer.bin, from a file opened once */
    uint64_t size = 0;
    plat_file *f = __real_plat_open(data("tok512.bin"), &size);
    CHECK(f != 0);
    llmbm_tokenizer tok;
    CHECK_MSG(f && llmbm_tokenizer_load_open(&tok, f, size, "tok512.bin", b.model.config.vocab_size, &err) == 0, "%s",
              err.msg);
    if (f) {
        CHECK(tok.vocab_size == 512);
        llmbm_tokenizer_free(&tok);
        plat_close(f);
    }
    llmbm_bundle_free(&b);
}

static void vocabulary_files(void)
{
    const char *vocab = data("ggml-vocab-llama-spm.gguf");
    llmbm_load_opts o = {LLMBM_TOKENIZER_OPTIONAL, false, false, 0, 0, 0};
    llmbm_bundle b;
    llmbm_err err;
    CHECK(llmbm_bundle_load(&b, vocab, &o, &err) == -1);
    CHECK_MSG(strstr(err.msg, "without tensors (vocabulary only?): not a model") != 0, "%s", err.msg);
    o.allow_no_tensors = true;
    CHECK_MSG(llmbm_bundle_load(&b, vocab, &o, &err) == 0, "%s", err.msg);
    CHECK(!b.has_model && b.has_tokenizer && b.tok.vocab_size == 32000);
    CHECK(llmbm_bundle_gguf_header(&b) && llmbm_bundle_gguf_header(&b)->n_tensors == 0);
    llmbm_bundle_free(&b);
    /* A model file's vocabulary alone: no tensor data read. */
    heard h = {0};
    llmbm_load_opts voc = {LLMBM_TOKENIZER_REQUIRED, true, false, listen, 0, &h};
    CHECK_MSG(llmbm_bundle_load(&b, data("stories260K-q8_0-mix.gguf"), &voc, &err) == 0, "%s", err.msg);
    CHECK(!b.has_model && b.has_tokenizer && b.tok.vocab_size == 512);
    CHECK(h.in_order && h.weights == 0 && h.read == 1 && h.tokenizer == 1);
    llmbm_bundle_free(&b);
}

static void missing_and_empty(const char *tmp)
{
    llmbm_load_opts o = {LLMBM_TOKENIZER_NONE, false, false, 0, 0, 0};
    llmbm_bundle b;
    llmbm_err err;
    CHECK(llmbm_bundle_load(&b, data("no-such-model.bin"), &o, &err) == -1);
    CHECK_MSG(strstr(err.msg, "no-such-model.bin: cannot open model file") != 0, "%s", err.msg);
    FILE *f = fopen(tmp, "wb");
    CHECK(f != 0);
    if (!f) return;
    fclose(f);
    CHECK(llmbm_bundle_load(&b, tmp, &o, &err) == -1);
    CHECK_MSG(strstr(err.msg, ": model file is empty") != 0, "%s", err.msg);
    remove(tmp);
}

int main(void)
{
    const char *dir = getenv("LLMBM_TESTDATA");
    if (!dir || !*dir) dir = getenv("LLMBM_TESTDATA_DEFAULT");
    if (!dir || !*dir) {
        fprintf(stderr, "neither LLMBM_TESTDATA nor LLMBM_TESTDATA_DEFAULT names the test data directory\n");
        return 1;
    }
    snprintf(data_dir, sizeof data_dir, "%s", dir);
    gguf_model_and_tokenizer();
    budget_veto();
    llama2c_checkpoint();
    vocabulary_files();
    missing_and_empty("test_model_bundle.empty");
    return CHECK_DONE();
}
