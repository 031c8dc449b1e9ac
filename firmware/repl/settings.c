/* /set KEY VALUE and /preset NAME: the same keys and checks as repl.cfg
 * (config.c), recorded as typed at the prompt so /cfg shows "/set". */
#include "settings.h"

#include "platform.h"
#include "text.h"

/* cfg_set keeps a pointer to the value: each key's latest /set copy lives
 * here, and the one it replaces is freed. */
static char *owned[CFG_COUNT];

static char *copy(const char *s)
{
    size_t n = txt_len(s);
    char *c = plat_alloc(n + 1);
    if (c) txt_snprintf(c, n + 1, "%s", s);
    return c;
}

bool settings_apply(repl_state *st, const char *key, const char *value, bool quiet)
{
    cfg_key k = cfg_find(key);
    if (k == CFG_COUNT) {
        txt_printf("warning: unknown key '%s' (the keys are listed by /cfg)\n", key);
        return false;
    }
    char *kept = copy(value);
    if (!kept) {
        txt_printf("warning: out of memory storing %s\n", key);
        return false;
    }
    const char *why = "";
    if (!cfg_set(&st->cfg, key, kept, CFG_FROM_SET, 0, &why)) {
        const char *now = cfg_get(&st->cfg, k);
        txt_printf("warning: bad value for %s: '%s' (%s); keeping %s\n", cfg_key_name(k), value, why,
                   *now ? now : "(empty)");
        plat_free(kept);
        return false;
    }
    plat_free(owned[k]);
    owned[k] = kept;
    if (!quiet) txt_printf("%s = %s\n", cfg_key_name(k), *kept ? kept : "(empty)");
    session_setting_changed(st, k);
    return true;
}

void settings_set(repl_state *st, char *args)
{
    char *value = args;
    while (*value && *value != ' ' && *value != '\t') value++;
    if (*value) {
        *value++ = 0;
        while (*value == ' ' || *value == '\t') value++;
    }
    if (!*args) {
        txt_printf("usage: /set KEY VALUE (an empty VALUE clears text keys such as system); /cfg lists the keys\n");
        return;
    }
    /* A quoted value keeps its outer spaces, as in repl.cfg. */
    size_t n = txt_len(value);
    if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
        value[n - 1] = 0;
        value++;
    }
    settings_apply(st, args, value, false);
}

typedef struct preset {
    const char *name, *what;
    const char *temp, *top_p, *top_k, *min_p, *repeat_penalty;
} preset;

/* greedy: deterministic; stable: llama.cpp-like defaults for a coherent
 * assistant; creative: wider sampling with a light repetition penalty. */
static const preset presets[] = {
    {"greedy", "always the most likely token", "0", "0.9", "0", "0", "1.0"},
    {"stable", "focused sampling", "0.7", "0.9", "40", "0.05", "1.1"},
    {"creative", "wide sampling", "1.0", "0.95", "0", "0.02", "1.05"},
};

void settings_preset(repl_state *st, char *args)
{
    for (unsigned i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        const preset *p = &presets[i];
        if (!txt_eq_nocase(args, p->name)) continue;
        settings_apply(st, "temp", p->temp, true);
        settings_apply(st, "top_p", p->top_p, true);
        settings_apply(st, "top_k", p->top_k, true);
        settings_apply(st, "min_p", p->min_p, true);
        settings_apply(st, "repeat_penalty", p->repeat_penalty, true);
        txt_printf("preset %s (%s): temp %s, top_p %s, top_k %s, min_p %s, repeat_penalty %s\n", p->name, p->what,
                   p->temp, p->top_p, p->top_k, p->min_p, p->repeat_penalty);
        return;
    }
    txt_printf("usage: /preset greedy|stable|creative\n");
}
