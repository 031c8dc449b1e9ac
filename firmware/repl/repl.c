/* The prompt loop. */
#include "repl.h"

#include "platform.h"
#include "session.h"
#include "selftest.h"
#include "text.h"

/* Long enough for a pasted paragraph. */
#define LINE_CAP 16384

void repl_run(const repl_sys *sys)
{
    static repl_state st;
    st.sys = sys;
    cfg_init(&st.cfg);
    st.cfg_found = cfg_load(&st.cfg, "repl.cfg");
    for (const char *const *s = sys->settings; s && *s; s++) {
        char key[32];
        size_t n = 0;
        while ((*s)[n] && (*s)[n] != '=' && n + 1 < sizeof key) {
            key[n] = (*s)[n];
            n++;
        }
        key[n] = 0;
        const char *why = "expected key=value";
        if ((*s)[n] != '=' || !cfg_set(&st.cfg, key, *s + n + 1, CFG_FROM_HOST, 0, &why))
            txt_printf("command line: %s: %s\n", *s, why);
    }
    cores_apply(&st);
    session_boot(&st);
    txt_printf("Type /help for commands.\n");

    char *line = plat_alloc(LINE_CAP);
    static char fallback[256];  /* if even 16 KiB cannot be had */
    size_t cap = LINE_CAP;
    if (!line) {
        line = fallback;
        cap = sizeof fallback;
    }
    const char *autorun = cfg_get(&st.cfg, CFG_AUTORUN);
    if (*autorun) {
        txt_printf("Running %s (autorun= in repl.cfg line %u)\n", autorun, st.cfg.values[CFG_AUTORUN].line);
        autorun_file(&st, autorun);
    }
    for (;;) {
        txt_puts(REPL_PROMPT);
        line_read(sys, line, cap);
        repl_execute(&st, line);
    }
}

void repl_execute(repl_state *st, char *line)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return;
    if (*p == '/')
        command_run(st, p);
    else
        session_chat(st, p);
}
