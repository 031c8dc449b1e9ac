/* Loading a model: find it, check the memory budget, read it in large
 * blocks with a progress bar, parse it, pick a tokenizer, build the run
 * state (see loader.h).
 *
 * The budget is checked twice. Before reading, only the file size is known
 * (the weights are kept as stored, quantized, in one allocation), so a file
 * bigger than the largest free block is refused before a single block is
 * read. After parsing, the KV cache and activations for the chosen context
 * are known exactly (llmbm_session_state_bytes); with ctx=0 the context
 * shrinks until it fits, with an explicit ctx the load is refused. */
#include "loader.h"

#include "isa.h"
#include "model_prepare.h"
#include "platform.h"
#include "templates.h"
#include "text.h"

/* From llmbm_build.embed (firmware/efi/meson.build); size 0 = none built in. */
extern const unsigned char llmbm_embedded_tokenizer[];
extern const unsigned long long llmbm_embedded_tokenizer_size;

#define MIB (1ull << 20)
/* Large reads keep the FAT driver issuing big block I/O; 32 MiB also gives
 * the progress bar a few steps per second on a USB 3 stick. */
#define READ_CHUNK (32u << 20)
/* Room kept free beside the file for page tables, pool and the REPL. */
#define FILE_SLACK (4 * MIB)
/* ctx=0 never shrinks the context below this. */
#define MIN_AUTO_CTX 64u

static void mem_now(repl_state *st, uint64_t *free_total, uint64_t *largest)
{
    if (st->sys->memory) {
        st->sys->memory(free_total, largest);
    } else {
        *free_total = *largest = UINT64_MAX;  /* a platform that cannot tell */
    }
}

/* What the REPL allocates beside the engine's run state: the conversation's
 * token buffer and the sampler's candidate list. */
static uint64_t repl_extra_bytes(const llmbm_config *c, uint32_t ctx)
{
    return (uint64_t)ctx * 8 + (uint64_t)c->vocab_size * 24 + MIB;
}

uint64_t loader_bytes(const loaded_model *lm)
{
    if (!lm || !lm->loaded)
        return 0;
    llmbm_run_params params = { lm->ctx_len, 0, false, lm->sess.tf.kv_type };
    return lm->model.file_size + llmbm_session_state_bytes(&lm->model, &params);
}

static bool has_dir(const char *path)
{
    for (; *path; path++)
        if (*path == '/' || *path == '\\')
            return true;
    return false;
}

bool loader_resolve(const char *path, char *found, size_t cap)
{
    plat_file *f = plat_open(path, 0);
    if (f) {
        plat_close(f);
        txt_snprintf(found, cap, "%s", path);
        return true;
    }
    if (!has_dir(path)) {
        txt_snprintf(found, cap, "models/%s", path);
        f = plat_open(found, 0);
        if (f) {
            plat_close(f);
            return true;
        }
    }
    txt_printf("%s: no such file on the boot volume (looked at the root and in models\\), or it cannot be "
               "opened. /models lists the model files.\n",
               path);
    return false;
}

static void tenths(char *buf, size_t cap, uint64_t x10)
{
    txt_snprintf(buf, cap, "%llu.%llu", (unsigned long long)(x10 / 10), (unsigned long long)(x10 % 10));
}

static void progress(uint64_t done, uint64_t size, uint64_t us)
{
    enum { CELLS = 24 };
    char bar[CELLS + 1];
    unsigned filled = (unsigned)(done * CELLS / size);
    for (unsigned i = 0; i < CELLS; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[CELLS] = 0;
    char got[32], all[32], rate[32];
    txt_size(got, sizeof got, done);
    txt_size(all, sizeof all, size);
    /* MiB/s in tenths; done*1e7 stays below 2^64 for files up to ~1.8 TB. */
    tenths(rate, sizeof rate, us ? done * 10000000ull / us / MIB : 0);
    txt_printf("\r  [%s] %3u%%  %s of %s  %s MB/s ", bar, (unsigned)(done * 100 / size), got, all, rate);
}

/* The whole file in one plat_alloc block, or NULL with a message. */
static void *read_whole(plat_file *f, const char *path, uint64_t size, bool show)
{
    if (size > (uint64_t)SIZE_MAX / 2) {
        txt_printf("%s: too large to address\n", path);
        return 0;
    }
    void *data = plat_alloc((size_t)size);
    if (!data) {
        char sz[32];
        txt_size(sz, sizeof sz, size);
        txt_printf("%s: out of memory allocating %s for the file\n", path, sz);
        return 0;
    }
    uint64_t t0 = plat_now_us(), done = 0;
    while (done < size) {
        size_t n = size - done < READ_CHUNK ? (size_t)(size - done) : READ_CHUNK;
        if (!plat_read(f, done, (char *)data + done, n)) {
            txt_printf("%s%s: read error at byte %llu of %llu: the file or the stick may be damaged\n", show ? "\n" : "",
                       path, (unsigned long long)done, (unsigned long long)size);
            plat_free(data);
            return 0;
        }
        done += n;
        if (show)
            progress(done, size, plat_now_us() - t0);
    }
    if (show)
        txt_printf("\n");
    return data;
}

/* Phase 1 of the budget: the file must fit in the largest free block. If it
 * only fits without the previous model, that one is unloaded first. */
static bool room_for_file(repl_state *st, const char *found, uint64_t size, loaded_model *prev)
{
    uint64_t total, largest;
    mem_now(st, &total, &largest);
    uint64_t need = size + FILE_SLACK;
    if (need > largest && prev && prev->loaded && need <= total + loader_bytes(prev)) {
        txt_printf("Unloading %s to make room for %s.\n", prev->model.path, found);
        loader_unload(prev);
        mem_now(st, &total, &largest);
    }
    if (need <= largest)
        return true;
    char a[32], b[32], c[32];
    txt_size(a, sizeof a, size);
    txt_size(b, sizeof b, largest);
    txt_size(c, sizeof c, total);
    txt_printf("%s: does not fit in memory: the weights alone are %s (kept as stored in the file), plus the KV "
               "cache; the largest free memory block is %s (%s free in total). Not loaded.\n",
               found, a, b, c);
    return false;
}

/* Opens, budget-checks (phase 1) and reads `found`. */
static void *open_and_read(repl_state *st, const char *found, uint64_t *size_out, loaded_model *prev, bool show)
{
    uint64_t size = 0;
    plat_file *f = plat_open(found, &size);
    if (!f) {
        txt_printf("%s: cannot be opened\n", found);
        return 0;
    }
    if (size == 0) {
        txt_printf("%s: the file is empty: not a model\n", found);
        plat_close(f);
        return 0;
    }
    if (!room_for_file(st, found, size, prev)) {
        plat_close(f);
        return 0;
    }
    if (show) {
        char sz[32];
        txt_size(sz, sizeof sz, size);
        txt_printf("Reading %s (%s)\n", found, sz);
    }
    void *data = read_whole(f, found, size, show);
    plat_close(f);
    *size_out = size;
    return data;
}

static bool tokenizer_from_file(loaded_model *lm, const char *path, const char *why)
{
    llmbm_err err;
    if (llmbm_tokenizer_load_file(&lm->tok, path, lm->model.config.vocab_size, &err)) {
        txt_printf("%s\n", err.msg);
        return false;
    }
    txt_snprintf(lm->tok_source, sizeof lm->tok_source, "%s%s", path, why);
    return true;
}

/* tokenizer= from the settings, else tokenizer.bin at the root, else the
 * one built into the firmware. */
static bool load_tokenizer(repl_state *st, loaded_model *lm)
{
    if (lm->model.format == LLMBM_FORMAT_GGUF) {
        /* GGUF files carry their vocabulary: tokenizer= does not apply. */
        llmbm_err err;
        if (llmbm_tokenizer_from_gguf(&lm->tok, lm->model.path, lm->model.config.vocab_size, &err)) {
            txt_printf("%s\n", err.msg);
            return false;
        }
        txt_snprintf(lm->tok_source, sizeof lm->tok_source, "from the GGUF file (%s)",
                     llmbm_tokenizer_kind_name(&lm->tok));
        return true;
    }
    const char *named = cfg_get(&st->cfg, CFG_TOKENIZER);
    if (*named) {
        char found[260];
        if (!loader_resolve(named, found, sizeof found))
            return false;
        return tokenizer_from_file(lm, found, " (tokenizer=)");
    }
    plat_file *f = plat_open("tokenizer.bin", 0);
    if (f) {
        plat_close(f);
        if (tokenizer_from_file(lm, "tokenizer.bin", ""))
            return true;
        if (!llmbm_embedded_tokenizer_size)
            return false;
        txt_printf("Trying the tokenizer built into the firmware instead.\n");
    }
    if (llmbm_embedded_tokenizer_size) {
        llmbm_err err;
        if (llmbm_tokenizer_load_buffer(&lm->tok, llmbm_embedded_tokenizer, (size_t)llmbm_embedded_tokenizer_size,
                                        lm->model.config.vocab_size, "built-in tokenizer", &err)) {
            txt_printf("%s\n", err.msg);
            return false;
        }
        txt_snprintf(lm->tok_source, sizeof lm->tok_source, "built into the firmware");
        return true;
    }
    txt_printf("%s: no tokenizer. A llama2.c model needs a tokenizer.bin with %u tokens: put one at the root "
               "of the stick or name it with tokenizer= in repl.cfg (this firmware has none built in; "
               "see meson -Dtokenizer).\n",
               lm->model.path, lm->model.config.vocab_size);
    return false;
}

static void print_budget(const char *path, uint64_t weights, uint64_t state, uint64_t extra, uint32_t ctx,
                         uint64_t largest, uint64_t total)
{
    char w[32], s[32], x[32], n[32], l[32], t[32];
    txt_size(w, sizeof w, weights);
    txt_size(s, sizeof s, state);
    txt_size(x, sizeof x, extra);
    txt_size(n, sizeof n, weights + state + extra);
    txt_size(l, sizeof l, largest);
    txt_size(t, sizeof t, total);
    txt_printf("%s: needs %s = weights %s + KV cache and run state %s (ctx %u, kv_type as set) + scratch %s; "
               "largest free block %s, %s free in total\n",
               path, n, w, s, ctx, x, l, t);
}

static llmbm_kv_type cfg_kv_type(repl_state *st)
{
    llmbm_kv_type t = LLMBM_KV_AUTO;
    llmbm_kv_type_parse(cfg_get(&st->cfg, CFG_KV_TYPE), &t); /* config.c allows only valid names */
    return t;
}

bool loader_set_ctx(repl_state *st, loaded_model *lm, uint32_t want)
{
    if (lm->ctx_len) {
        llmbm_session_close(&lm->sess);
        lm->ctx_len = 0;
    }
    const llmbm_config *c = &lm->model.config;
    bool auto_ctx = want == 0;
    uint32_t ctx = auto_ctx || want > c->seq_len ? c->seq_len : want;
    if (want > c->seq_len)
        txt_printf("ctx %u is more than %s was trained for; using its maximum, %u.\n", want, lm->model.path,
                   c->seq_len);
    uint64_t total, largest;
    mem_now(st, &total, &largest);
    for (;;) {
        llmbm_run_params params = { ctx, 0, false, cfg_kv_type(st) };
        uint64_t state = llmbm_session_state_bytes(&lm->model, &params), extra = repl_extra_bytes(c, ctx);
        if (state + extra <= largest)
            break;
        if (!auto_ctx || ctx <= MIN_AUTO_CTX) {
            print_budget(lm->model.path, lm->model.file_size, state, extra, ctx, largest, total);
            txt_printf("The KV cache for %u tokens does not fit%s.\n", ctx,
                       auto_ctx ? "" : " (a smaller /set ctx may)");
            return false;
        }
        ctx = ctx / 2 < MIN_AUTO_CTX ? MIN_AUTO_CTX : ctx / 2;
    }
    if (auto_ctx && ctx < c->seq_len)
        txt_printf("Memory allows a context of %u tokens (the model's maximum is %u).\n", ctx, c->seq_len);
    llmbm_err err;
    llmbm_run_params params = { ctx, 0, false, cfg_kv_type(st) };
    if (llmbm_session_open(&lm->sess, &lm->model, &lm->tok, &params, &err)) {
        txt_printf("%s\n", err.msg);
        return false;
    }
    lm->ctx_len = ctx;
    return true;
}

static uint32_t cfg_ctx(repl_state *st)
{
    uint64_t v = 0;
    txt_parse_u64(cfg_get(&st->cfg, CFG_CTX), &v);
    return v > 0xffffffffu ? 0xffffffffu : (uint32_t)v;
}

static bool is_gguf(const char *path)
{
    uint64_t size = 0;
    uint8_t magic[4] = { 0 };
    plat_file *f = plat_open(path, &size);
    bool gguf = f && size >= 4 && plat_read(f, 0, magic, 4) && magic[0] == 'G' && magic[1] == 'G' &&
                magic[2] == 'U' && magic[3] == 'F';
    plat_close(f);
    return gguf;
}

/* GGUF goes through llmbm_model_read, which reads the header by ranges and
 * then only the tensor data (parsing a whole in-memory image would copy
 * it). No bar then, but the same budget check and a rate at the end. */
static bool read_gguf(repl_state *st, const char *found, llmbm_model *m, loaded_model *prev, bool show)
{
    uint64_t size = 0;
    plat_file *f = plat_open(found, &size);
    plat_close(f);
    if (!room_for_file(st, found, size, prev))
        return false;
    char a[32], b[32];
    txt_size(a, sizeof a, size);
    if (show)
        txt_printf("Reading %s (%s, GGUF)\n", found, a);
    uint64_t t0 = plat_now_us();
    llmbm_err err;
    /* file layouts: loader_load lays them out once the level is chosen */
    if (llmbm_model_read(m, found, &err)) {
        txt_printf("%s\n", err.msg);
        return false;
    }
    if (show) {
        uint64_t us = plat_now_us() - t0;
        tenths(b, sizeof b, us ? size * 10000000ull / us / MIB : 0);
        txt_printf("  read %s in %llu ms, %s MB/s\n", a, (unsigned long long)(us / 1000), b);
    }
    return true;
}

/* The model alone (no tokenizer, no run state) into *m. */
static bool read_model(repl_state *st, const char *found, llmbm_model *m, loaded_model *prev, bool show)
{
    if (is_gguf(found))
        return read_gguf(st, found, m, prev, show);
    uint64_t size = 0;
    void *data = open_and_read(st, found, &size, prev, show);
    if (!data)
        return false;
    llmbm_err err;
    if (llmbm_model_parse(m, data, size, found, &err)) {
        txt_printf("%s\n", err.msg);
        plat_free(data);
        return false;
    }
    return true;
}

bool loader_load(repl_state *st, const char *path, loaded_model *out, loaded_model *prev)
{
    char found[260];
    if (!loader_resolve(path, found, sizeof found))
        return false;
    load_times *tm = &out->times;
    uint64_t t0 = plat_now_us(), t = t0;
    if (!read_model(st, found, &out->model, prev, true))
        return false;
    tm->read_us = plat_now_us() - t;
    tm->read_bytes = out->model.file_size;
    /* The kernel level (measured under isa=auto) and the layouts for it. */
    t = plat_now_us();
    llmbm_prepared prep;
    llmbm_model_prepare(&out->model, &prep);
    tm->prepare_us = plat_now_us() - t;
    txt_snprintf(out->kernels, sizeof out->kernels, "%s", prep.kernels);
    txt_printf("%s\n", out->kernels);
    t = plat_now_us();
    bool tok_ok = load_tokenizer(st, out);
    tm->tokenizer_us = plat_now_us() - t;
    if (!tok_ok) {
        llmbm_model_free(&out->model);
        return false;
    }
    t = plat_now_us();
    bool ctx_ok = loader_set_ctx(st, out, cfg_ctx(st));
    tm->state_us = plat_now_us() - t;
    if (!ctx_ok) {
        llmbm_tokenizer_free(&out->tok);
        llmbm_model_free(&out->model);
        return false;
    }
    out->loaded = true;
    out->file_template = template_file_load(found);
    const llmbm_config *c = &out->model.config;
    char sz[32];
    txt_size(sz, sizeof sz, loader_bytes(out));
    txt_printf("Loaded %s: %s, dim %u, %u layers, vocab %u, context %u (%s KV cache); tokenizer %s; %s in memory; "
               "%llu ms\n",
               found, llmbm_format_name(out->model.format), c->dim, c->n_layers, c->vocab_size, out->ctx_len,
               llmbm_kv_type_name(out->sess.tf.kv_type), out->tok_source, sz,
               (unsigned long long)((plat_now_us() - t0) / 1000));
    return true;
}

void loader_follow_isa(loaded_model *lm)
{
    llmbm_prepared prep;
    llmbm_model_prepare(&lm->model, &prep);
    txt_snprintf(lm->kernels, sizeof lm->kernels, "%s", prep.kernels);
    txt_printf("%s\n", lm->kernels);
    /* In place: no second copy of the weights and no reading the stick again. */
    if (prep.rewritten)
        txt_printf("Re-laid out %u matrices of %s for %s in %llu ms.\n", prep.rewritten, lm->model.path,
                   llmbm_isa_name(), (unsigned long long)(prep.relayout_us / 1000));
}

void loader_unload(loaded_model *lm)
{
    if (!lm)
        return;
    if (lm->ctx_len)
        llmbm_session_close(&lm->sess);
    if (lm->tok.arena || lm->tok.gguf)
        llmbm_tokenizer_free(&lm->tok);
    llmbm_model_free(&lm->model);
    plat_free(lm->file_template);
    *lm = (loaded_model){ 0 };
}

typedef struct describe_ctx {
    char last;
} describe_ctx;

static void describe_write(void *ctx, const char *text, size_t len)
{
    describe_ctx *d = ctx;
    if (len)
        d->last = text[len - 1];
    plat_write(text, len);
}

/* The chat template template=auto would use (templates.c says which and
 * from where); GGUF only, from its metadata. */
static void describe_template(const char *path, const llmbm_model *m)
{
    llmbm_tokenizer tok;
    llmbm_err err;
    bool have = m->format == LLMBM_FORMAT_GGUF && !llmbm_tokenizer_from_gguf(&tok, path, m->config.vocab_size, &err);
    char line[320];
    template_describe_auto(path, have ? &tok : 0, line, sizeof line);
    txt_printf("chat template: %s\n", line);
    if (have)
        llmbm_tokenizer_free(&tok);
}

void loader_info(repl_state *st, const char *path)
{
    char found[260];
    if (!loader_resolve(path, found, sizeof found))
        return;
    uint64_t size = 0;
    plat_file *f = plat_open(found, &size);
    plat_close(f);
    llmbm_model m;
    if (!read_model(st, found, &m, 0, size > 64 * MIB))
        return;
    describe_ctx d = { '\n' };
    llmbm_model_describe(&m, describe_write, &d);
    if (d.last != '\n')
        txt_printf("\n");
    describe_template(found, &m);
    uint32_t ctx = cfg_ctx(st);
    if (ctx == 0 || ctx > m.config.seq_len)
        ctx = m.config.seq_len;
    uint64_t total, largest;
    mem_now(st, &total, &largest);
    /* The file is in memory now; count it as free again for the verdict. */
    llmbm_run_params params = { ctx, 0, false, cfg_kv_type(st) };
    uint64_t state = llmbm_session_state_bytes(&m, &params), extra = repl_extra_bytes(&m.config, ctx);
    print_budget(found, size, state, extra, ctx, largest + size, total + size);
    txt_printf("verdict: %s at ctx %u with the memory free now\n",
               size + state + extra + FILE_SLACK <= largest + size ? "fits" : "does not fit", ctx);
    llmbm_model_free(&m);
}
