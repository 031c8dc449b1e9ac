/* Models and chat — the seam for the engine (see session.h). This build
 * has no inference yet: it reports what is on the stick and explains how to
 * get a model loaded. */
#include "session.h"

#include "platform.h"
#include "text.h"

void session_explain_no_model(void)
{
    txt_printf("To add a model:\n"
               "  1. copy a .gguf or llama2.c .bin file to the root of the stick or to models\\\n"
               "  2. name it in repl.cfg at the root of the stick: model=FILE\n"
               "     (or type /load FILE at this prompt, once loading is available)\n"
               "  /models lists the model files found.\n");
}

void session_boot(repl_state *st)
{
    const char *model = cfg_get(&st->cfg, CFG_MODEL);
    if (!*model) {
        txt_printf("No model loaded: repl.cfg names none.\n");
        session_explain_no_model();
        return;
    }
    uint64_t size = 0;
    plat_file *f = plat_open(model, &size);
    if (!f) {
        txt_printf("No model loaded: '%s' (repl.cfg line %u) is not on the boot volume.\n", model,
                   st->cfg.values[CFG_MODEL].line);
        session_explain_no_model();
        return;
    }
    plat_close(f);
    char sz[32];
    txt_size(sz, sizeof sz, size);
    txt_printf("Model file %s (%s) found, but this build has no inference engine yet: not loaded.\n", model, sz);
}

void session_load(repl_state *st, const char *path)
{
    (void)st;
    uint64_t size = 0;
    plat_file *f = plat_open(path, &size);
    if (!f) {
        txt_printf("%s: not found on the boot volume (/models lists model files)\n", path);
        return;
    }
    plat_close(f);
    txt_printf("%s: found, but loading models is not in this build yet.\n", path);
}

void session_chat(repl_state *st, const char *line)
{
    (void)line;
    if (!st->model_loaded) {
        txt_printf("No model is loaded, so nothing can answer yet.\n");
        session_explain_no_model();
    }
}
