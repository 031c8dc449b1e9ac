/* The loaded model and its conversation (see session.h). At most one model
 * is loaded; /load replaces it only once the new one is fully ready, unless
 * the new one needs the old one's memory (loader.c says so when it unloads
 * it first). */
#include "session.h"

#include "chat.h"
#include "isa.h"
#include "loader.h"
#include "platform.h"
#include "selftest.h"
#include "templates.h"
#include "text.h"

static loaded_model *current;
static chat conversation;

void session_explain_no_model(void)
{
    txt_printf("To add a model:\n"
               "  1. copy a .gguf or llama2.c .bin file to the root of the stick or to models\\\n"
               "     (a llama2.c .bin also needs its tokenizer.bin at the root)\n"
               "  2. name it in repl.cfg at the root of the stick: model=FILE\n"
               "     or type /load FILE at this prompt\n"
               "  /models lists the model files found.\n");
}

static void describe_template(repl_state *st)
{
    const chat_template *t = chat_template_for(st, current);
    bool is_auto = txt_eq_nocase(cfg_get(&st->cfg, CFG_TEMPLATE), "auto");
    if (t)
        txt_printf("Chat template %s%s: type a message to chat.\n", t->name, is_auto ? " (from the model)" : "");
    else if (is_auto)
        txt_printf("Template auto: raw completion (the model names no chat template): each line you type is a "
                   "prompt the model continues. /set template chatml (or another) to chat.\n");
    else
        txt_printf("Template raw: each line you type is a prompt the model continues.\n");
}

static void drop_current(void)
{
    chat_free(&conversation);
    loader_unload(current);
    plat_free(current);
    current = 0;
}

static void load(repl_state *st, const char *path)
{
    loaded_model *next = plat_alloc(sizeof *next);
    if (!next) {
        txt_printf("out of memory\n");
        return;
    }
    const char *level = llmbm_isa_name();
    if (!loader_load(st, path, next, current)) {
        plat_free(next);
        if (current && current->loaded) {
            txt_printf("Not loaded; %s stays loaded.\n", current->model.path);
            /* the failed load may have measured another level fastest */
            if (llmbm_isa_name() != level) loader_follow_isa(current);
            return;
        }
        if (current) drop_current(); /* the loader unloaded it to make room */
        st->model_loaded = false;
        txt_printf("Not loaded; no model is loaded now.\n");
        return;
    }
    /* The new conversation's buffers before the old model goes: when they
     * cannot be had, the old model and its conversation stay as they were. */
    chat fresh;
    if (!chat_init(&fresh, next)) {
        loader_unload(next);
        plat_free(next);
        if (current)
            txt_printf("Not loaded; %s stays loaded.\n", current->model.path);
        else
            txt_printf("Not loaded; no model is loaded now.\n");
        st->model_loaded = current != 0;
        return;
    }
    if (current) drop_current();
    current = next;
    conversation = fresh;
    st->model_loaded = true;
    describe_template(st);
}

/* isa= picks the kernel level; the engine refuses a level this CPU lacks
 * and keeps the one it had. */
static void set_isa(repl_state *st)
{
    llmbm_err err;
    if (llmbm_isa_set(cfg_get(&st->cfg, CFG_ISA), &err) != 0) txt_printf("isa: %s\n", err.msg);
}

/* The level in use without a model: under auto, measured only at a load. */
static void print_kernels_unloaded(void)
{
    txt_printf("Kernels: %s%s\n", llmbm_isa_name(),
               llmbm_isa_forced() ? " (forced)"
                                  : " (the most capable level here; isa=auto measures which is "
                                    "fastest when a model loads)");
}

void session_show_kernels(repl_state *st)
{
    (void)st;
    if (current)
        txt_printf("%s\n", current->kernels);
    else
        print_kernels_unloaded();
}

bool session_load_times(load_times *out)
{
    if (!current) return false;
    *out = current->times;
    return true;
}

void session_boot(repl_state *st)
{
    set_isa(st);
    const char *model = cfg_get(&st->cfg, CFG_MODEL);
    if (!*model) {
        print_kernels_unloaded();
        txt_printf("No model loaded: repl.cfg names none.\n");
        session_explain_no_model();
        return;
    }
    char where[48];
    if (st->cfg.values[CFG_MODEL].source == CFG_FROM_HOST)
        txt_snprintf(where, sizeof where, "named on the command line");
    else
        txt_snprintf(where, sizeof where, "model= in repl.cfg line %u", st->cfg.values[CFG_MODEL].line);
    plat_file *f = plat_open(model, 0);
    if (!f) {
        print_kernels_unloaded();
        txt_printf("No model loaded: '%s' (%s) is not on the boot volume.\n", model, where);
        session_explain_no_model();
        return;
    }
    plat_close(f);
    txt_printf("Loading %s (%s)\n", model, where);
    load(st, model);
}

void session_load(repl_state *st, const char *path) { load(st, path); }

void session_model_info(repl_state *st, const char *path) { loader_info(st, path); }

void session_unload(repl_state *st)
{
    if (!current) {
        txt_printf("No model is loaded.\n");
        return;
    }
    txt_printf("Unloaded %s.\n", current->model.path);
    drop_current();
    st->model_loaded = false;
}

void session_show_ctx(repl_state *st)
{
    if (!current) {
        txt_printf("No model is loaded.\n");
        return;
    }
    chat_show_ctx(st, current, &conversation);
    /* Exact KiB, not MB: a long session that leaks shows up here (the
     * 50-turn boot test compares two readings). */
    uint64_t total = 0, largest = 0;
    if (st->sys->memory) st->sys->memory(&total, &largest);
    txt_printf("memory: %llu KB free, largest block %llu KB\n", (unsigned long long)(total >> 10),
               (unsigned long long)(largest >> 10));
}

void session_reset(repl_state *st)
{
    (void)st;
    if (!current) {
        txt_printf("No model is loaded.\n");
        return;
    }
    chat_reset(&conversation);
    txt_printf("Conversation cleared.\n");
}

void session_setting_changed(repl_state *st, int key)
{
    switch (key) {
        case CFG_CTX:
        case CFG_KV_TYPE:
            if (current) {
                uint32_t old = current->ctx_len;
                uint64_t want = old;
                if (key == CFG_CTX) txt_parse_u64(cfg_get(&st->cfg, CFG_CTX), &want);
                chat_free(&conversation);
                bool ok = loader_set_ctx(st, current, want > 0xffffffffu ? 0xffffffffu : (uint32_t)want);
                if (!ok) {
                    txt_printf("Keeping the context of %u tokens.\n", old);
                    ok = loader_set_ctx(st, current, old);
                }
                if (!ok || !chat_init(&conversation, current)) {
                    txt_printf("Unloading %s: no memory left for its context.\n", current->model.path);
                    drop_current();
                    st->model_loaded = false;
                    return;
                }
                txt_printf("Context: %u tokens, KV cache %s; conversation cleared.\n", current->ctx_len,
                           llmbm_kv_type_name(current->sess.tf.kv_type));
            }
            break;
        case CFG_TEMPLATE:
        case CFG_SYSTEM:
            if (current) {
                chat_reset(&conversation);
                txt_printf("The conversation starts over with this setting.\n");
                describe_template(st);
            }
            break;
        case CFG_CORES: cores_apply(st); break;
        case CFG_FONT_SCALE: font_scale_apply(st); break;
        case CFG_ISA:
            set_isa(st);
            if (current)
                loader_follow_isa(current);
            else
                print_kernels_unloaded();
            break;
        case CFG_MODEL:
        case CFG_TOKENIZER: txt_printf("note: takes effect at the next /load.\n"); break;
        case CFG_MP:
        case CFG_AP_TIMEOUT_MS:
            txt_printf("note: read from repl.cfg at boot only (before the other cores start).\n");
            break;
        default: break;
    }
}

void session_chat(repl_state *st, const char *line)
{
    if (!current) {
        txt_printf("No model is loaded, so nothing can answer yet.\n");
        session_explain_no_model();
        return;
    }
    chat_line(st, current, &conversation, line);
}
