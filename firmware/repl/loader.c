/* Loading a model: find it, check the memory budget, read and parse it
 * through the engine's bundle loader (model_bundle.h: one open of the file,
 * a GGUF's tokenizer from the same header) with a progress bar, pick a
 * tokenizer for a llama2.c model, build the run state (see loader.h).
 *
 * The budget is checked twice. Before reading, only the file size is known
 * (the weights are kept as stored, quantized, in one allocation), so a file
 * bigger than the largest free block is refused before a single block is
 * read. After parsing, the KV cache and activations for the chosen context
 * are known exactly (llmbm_session_state_bytes); with ctx=0 the context
 * shrinks until it fits, with an explicit ctx the load is refused. */
#include "loader.h"

#include "isa.h"
#include "model_bundle.h"
#include "model_prepare.h"
#include "platform.h"
#include "templates.h"
#include "text.h"

/* From llmbm_build.embed (firmware/efi/meson.build); size 0 = none built in. */
extern const unsigned char llmbm_embedded_tokenizer[];
extern const unsigned long long llmbm_embedded_tokenizer_size;

#define MIB          (1ull << 20)
/* Room kept free beside the file for page tables, pool and the REPL. */
#define FILE_SLACK   (4 * MIB)
/* ctx=0 never shrinks the context below this. */
#define MIN_AUTO_CTX 64u

static void mem_now(repl_state *st, uint64_t *free_total, uint64_t *largest)
{
    if (st->sys->memory) {
        st->sys->memory(free_total, largest);
    } else {
        *free_total = *largest = UINT64_MAX; /* a platform that cannot tell */
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
    if (!lm || !lm->loaded) return 0;
    llmbm_run_params params = {lm->ctx_len, 0, false, lm->sess.tf.kv_type};
    return lm->model.file_size + llmbm_session_state_bytes(&lm->model, &params);
}

static bool has_dir(const char *path)
{
    for (; *path; path++)
        if (*path == '/' || *path == '\\') return true;
    return false;
}

/* loader_resolve's search, keeping the file that opened (and its size). */
static plat_file *resolve_open(const char *path, char *found, size_t cap, uint64_t *size)
{
    plat_file *f = plat_open(path, size);
    if (f) {
        txt_snprintf(found, cap, "%s", path);
        return f;
    }
    if (!has_dir(path)) {
        txt_snprintf(found, cap, "models/%s", path);
        f = plat_open(found, size);
        if (f) return f;
    }
    txt_printf("%s: no such file on the boot volume (looked at the root and in models\\), or it cannot be "
               "opened. /models lists the model files.\n",
               path);
    return 0;
}

bool loader_resolve(const char *path, char *found, size_t cap)
{
    uint64_t size = 0;
    plat_file *f = resolve_open(path, found, cap, &size);
    plat_close(f);
    return f != 0;
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
    for (unsigned i = 0; i < CELLS; i++) bar[i] = i < filled ? '#' : '.';
    bar[CELLS] = 0;
    char got[32], all[32], rate[32];
    txt_size(got, sizeof got, done);
    txt_size(all, sizeof all, size);
    /* MiB/s in tenths; done*1e7 stays below 2^64 for files up to ~1.8 TB. */
    tenths(rate, sizeof rate, us ? done * 10000000ull / us / MIB : 0);
    txt_printf("\r  [%s] %3u%%  %s of %s  %s MB/s ", bar, (unsigned)(done * 100 / size), got, all, rate);
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
    if (need <= largest) return true;
    char a[32], b[32], c[32];
    txt_size(a, sizeof a, size);
    txt_size(b, sizeof b, largest);
    txt_size(c, sizeof c, total);
    txt_printf("%s: does not fit in memory: the weights alone are %s (kept as stored in the file), plus the KV "
               "cache; the largest free memory block is %s (%s free in total). Not loaded.\n",
               found, a, b, c);
    return false;
}

/* The tokenizer file `f` (opened once, closed here) for lm's model. */
static bool tokenizer_from_file(loaded_model *lm, plat_file *f, uint64_t size, const char *path, const char *why)
{
    llmbm_err err;
    int rc = llmbm_tokenizer_load_open(&lm->tok, f, size, path, lm->model.config.vocab_size, &err);
    plat_close(f);
    if (rc) {
        txt_printf("%s\n", err.msg);
        return false;
    }
    txt_snprintf(lm->tok_source, sizeof lm->tok_source, "%s%s", path, why);
    return true;
}

/* A llama2.c model's: tokenizer= from the settings, else tokenizer.bin at
 * the root, else the one built into the firmware. (A GGUF file carries its
 * vocabulary, which the bundle loader read with the model: tokenizer= does
 * not apply.) */
static bool load_tokenizer(repl_state *st, loaded_model *lm)
{
    const char *named = cfg_get(&st->cfg, CFG_TOKENIZER);
    uint64_t size = 0;
    if (*named) {
        char found[260];
        plat_file *f = resolve_open(named, found, sizeof found, &size);
        return f && tokenizer_from_file(lm, f, size, found, " (tokenizer=)");
    }
    plat_file *f = plat_open("tokenizer.bin", &size);
    if (f) {
        if (tokenizer_from_file(lm, f, size, "tokenizer.bin", "")) return true;
        if (!llmbm_embedded_tokenizer_size) return false;
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
        llmbm_run_params params = {ctx, 0, false, cfg_kv_type(st)};
        uint64_t state = llmbm_session_state_bytes(&lm->model, &params), extra = repl_extra_bytes(c, ctx);
        if (state + extra <= largest) break;
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
    llmbm_run_params params = {ctx, 0, false, cfg_kv_type(st)};
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

/* The bundle loader's callbacks: the budget (phase 1) and the progress bar. */
typedef struct load_view {
    repl_state *st;
    loaded_model *prev;
    const char *found;
    bool show, bar_open;
    uint64_t t0;
    uint64_t tokenizer_at; /* when a GGUF's tokenizer build began (plat_now_us), or 0 */
} load_view;

static bool admit_file(void *ctx, const char *name, uint64_t size)
{
    load_view *v = ctx;
    return room_for_file(v->st, name, size, v->prev);
}

static void on_progress(void *ctx, const llmbm_load_progress *p)
{
    load_view *v = ctx;
    if (p->phase == LLMBM_LOAD_TOKENIZER) v->tokenizer_at = plat_now_us();
    if (!v->show || p->phase == LLMBM_LOAD_TOKENIZER) return;
    if (p->phase == LLMBM_LOAD_READING) {
        char sz[32];
        txt_size(sz, sizeof sz, p->total);
        txt_printf("Reading %s (%s%s)\n", v->found, sz, p->format == LLMBM_FORMAT_GGUF ? ", GGUF" : "");
        v->t0 = plat_now_us();
    } else if (p->phase == LLMBM_LOAD_WEIGHTS) {
        progress(p->done, p->total, plat_now_us() - v->t0);
        v->bar_open = true;
    } else if (v->bar_open) {
        txt_printf("\n");
        v->bar_open = false;
    }
}

/* Finds `path` and opens it: the one open of a load. NULL (said why) when
 * it is missing or empty. */
static plat_file *open_model(const char *path, char *found, size_t cap, uint64_t *size)
{
    plat_file *f = resolve_open(path, found, cap, size);
    if (f && *size == 0) {
        txt_printf("%s: the file is empty: not a model\n", found);
        plat_close(f);
        return 0;
    }
    return f;
}

/* The model (and a GGUF's tokenizer, `tok` as the bundle loader takes it)
 * from the open file `f` into *b; false with the reason printed. */
static bool read_bundle(load_view *v, plat_file *f, uint64_t size, llmbm_load_tokenizer tok, llmbm_bundle *b)
{
    llmbm_load_opts opts = {tok, false, false, on_progress, admit_file, v};
    llmbm_err err;
    int rc = llmbm_bundle_load_open(b, f, size, v->found, &opts, &err);
    plat_close(f);
    if (rc == 0) return true;
    if (v->bar_open) txt_printf("\n");
    if (err.msg[0]) /* empty: the budget check has said why */
        txt_printf("%s\n", err.msg);
    return false;
}

bool loader_load(repl_state *st, const char *path, loaded_model *out, loaded_model *prev)
{
    char found[260];
    uint64_t size = 0;
    plat_file *f = open_model(path, found, sizeof found, &size);
    if (!f) return false;
    load_times *tm = &out->times;
    uint64_t t0 = plat_now_us(), t = t0;
    load_view view = {st, prev, found, true, false, 0, 0};
    llmbm_bundle b;
    if (!read_bundle(&view, f, size, LLMBM_TOKENIZER_REQUIRED, &b)) return false;
    out->model = b.model;
    if (b.has_tokenizer) {
        out->tok = b.tok;
        txt_snprintf(out->tok_source, sizeof out->tok_source, "from the GGUF file (%s)",
                     llmbm_tokenizer_kind_name(&out->tok));
    }
    /* a GGUF's tokenizer, built inside the bundle load, counts as tokenizer time */
    uint64_t read_end = view.tokenizer_at ? view.tokenizer_at : plat_now_us();
    tm->read_us = read_end - t;
    uint64_t gguf_tokenizer_us = plat_now_us() - read_end;
    tm->read_bytes = out->model.file_size;
    /* The kernel level (measured under isa=auto) and the layouts for it. */
    t = plat_now_us();
    llmbm_prepared prep;
    llmbm_model_prepare(&out->model, &prep);
    tm->prepare_us = plat_now_us() - t;
    txt_snprintf(out->kernels, sizeof out->kernels, "%s", prep.kernels);
    txt_printf("%s\n", out->kernels);
    t = plat_now_us();
    bool tok_ok = b.has_tokenizer || load_tokenizer(st, out);
    tm->tokenizer_us = plat_now_us() - t + gguf_tokenizer_us;
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
    if (!lm) return;
    if (lm->ctx_len) llmbm_session_close(&lm->sess);
    if (lm->tok.arena || lm->tok.gguf) llmbm_tokenizer_free(&lm->tok);
    llmbm_model_free(&lm->model);
    plat_free(lm->file_template);
    *lm = (loaded_model){0};
}

typedef struct describe_ctx {
    char last;
} describe_ctx;

static void describe_write(void *ctx, const char *text, size_t len)
{
    describe_ctx *d = ctx;
    if (len) d->last = text[len - 1];
    plat_write(text, len);
}

/* The chat template template=auto would use (templates.c says which and
 * from where); GGUF only, from its metadata. */
static void describe_template(const char *path, const llmbm_bundle *b)
{
    char line[320];
    template_describe_auto(path, b->has_tokenizer ? &b->tok : 0, line, sizeof line);
    txt_printf("chat template: %s\n", line);
}

void loader_info(repl_state *st, const char *path)
{
    char found[260];
    uint64_t size = 0;
    plat_file *f = open_model(path, found, sizeof found, &size);
    if (!f) return;
    load_view view = {st, 0, found, size > 64 * MIB, false, 0, 0};
    llmbm_bundle b;
    if (!read_bundle(&view, f, size, LLMBM_TOKENIZER_OPTIONAL, &b)) return;
    const llmbm_model *m = &b.model;
    describe_ctx d = {'\n'};
    llmbm_model_describe(m, describe_write, &d);
    if (d.last != '\n') txt_printf("\n");
    describe_template(found, &b);
    uint32_t ctx = cfg_ctx(st);
    if (ctx == 0 || ctx > m->config.seq_len) ctx = m->config.seq_len;
    uint64_t total, largest;
    mem_now(st, &total, &largest);
    /* The file is in memory now; count it as free again for the verdict. */
    llmbm_run_params params = {ctx, 0, false, cfg_kv_type(st)};
    uint64_t state = llmbm_session_state_bytes(m, &params), extra = repl_extra_bytes(&m->config, ctx);
    print_budget(found, size, state, extra, ctx, largest + size, total + size);
    txt_printf("verdict: %s at ctx %u with the memory free now\n",
               size + state + extra + FILE_SLACK <= largest + size ? "fits" : "does not fit", ctx);
    llmbm_bundle_free(&b);
}
