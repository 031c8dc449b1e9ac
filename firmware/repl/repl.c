/* The prompt loop. */
#include "repl.h"

#include "platform.h"
#include "session.h"
#include "selftest.h"
#include "text.h"

/* font_scale= as last applied: repl.cfg at boot, then after any /set. */
static const char *font_scale_applied;

static void font_scale_apply(repl_state *st)
{
    const char *text = cfg_get(&st->cfg, CFG_FONT_SCALE);
    if (text == font_scale_applied || !st->sys->set_font_scale)
        return;
    font_scale_applied = text;
    uint64_t scale = 0;
    if (!txt_eq_nocase(text, "auto"))
        txt_parse_u64(text, &scale);  /* the choices are 1..8 */
    unsigned got = st->sys->set_font_scale((unsigned)scale);
    if (scale && got && got != scale)
        txt_printf("font_scale %u does not fit this screen: using %u\n", (unsigned)scale, got);
}

static void style(const repl_state *st, repl_style s)
{
    if (st->sys->style)
        st->sys->style(s);
}

/* Long enough for a pasted paragraph. */
#define LINE_CAP 16384

void repl_run(const repl_sys *sys)
{
    static repl_state st;
    st.sys = sys;
    cfg_init(&st.cfg);
    st.cfg_found = cfg_load(&st.cfg, "repl.cfg");
    cores_apply(&st);
    font_scale_apply(&st);
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
        style(&st, REPL_STYLE_PROMPT);
        txt_puts(REPL_PROMPT);
        style(&st, REPL_STYLE_INPUT);
        line_read(sys, line, cap);
        style(&st, REPL_STYLE_MESSAGE);
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
    if (*p == '/') {
        command_run(st, p);
        font_scale_apply(st);  /* after a /set font_scale */
    } else {
        session_chat(st, p);
    }
}
