/* Finding model files: .gguf and .bin at the root and in models\. */
#include "platform.h"
#include "session.h"
#include "text.h"

typedef struct scan_ctx {
    const char *prefix;
    model_file_fn fn;
    void *ctx;
    unsigned count;
} scan_ctx;

static void on_entry(void *ctx, const repl_dirent *e)
{
    scan_ctx *s = ctx;
    if (e->is_dir || !(txt_ends_with_nocase(e->name, ".gguf") || txt_ends_with_nocase(e->name, ".bin")))
        return;
    char path[300];
    txt_snprintf(path, sizeof path, "%s%s", s->prefix, e->name);
    s->count++;
    if (s->fn)
        s->fn(s->ctx, path, e->size);
}

unsigned models_scan(const repl_sys *sys, model_file_fn fn, void *ctx)
{
    scan_ctx s = { "", fn, ctx, 0 };
    sys->list_dir("", on_entry, &s);
    s.prefix = "models/";
    sys->list_dir("models", on_entry, &s);  /* absent is fine */
    return s.count;
}
