/* The prompt loop. */
#include "repl.h"

#include "loader.h"
#include "platform.h"
#include "session.h"
#include "selftest.h"
#include "text.h"

void font_scale_apply(repl_state *st)
{
    if (!st->sys->set_font_scale) return;
    const char *text = cfg_get(&st->cfg, CFG_FONT_SCALE);
    uint64_t scale = 0;
    if (!txt_eq_nocase(text, "auto")) txt_parse_u64(text, &scale); /* the choices are 1..8 */
    unsigned got = st->sys->set_font_scale((unsigned)scale);
    if (scale && got && got != scale)
        txt_printf("font_scale %u does not fit this screen: using %u\n", (unsigned)scale, got);
}

static void style(const repl_state *st, repl_style s)
{
    if (st->sys->style) st->sys->style(s);
}

/* Long enough for a pasted paragraph. */
#define LINE_CAP 16384

/* "1.23 s" */
static void seconds(char *buf, size_t cap, uint64_t us)
{
    uint64_t cs = (us + 5000) / 10000;
    txt_snprintf(buf, cap, "%llu.%s%llu s", (unsigned long long)(cs / 100), cs % 100 < 10 ? "0" : "",
                 (unsigned long long)(cs % 100));
}

/* How long boot to prompt took, and where it went: what ran before the
 * platform's entry point (EFI: the UEFI firmware since reset, when the TSC
 * can tell), the platform's part (EFI: efi_main's entry to repl_run), reading repl.cfg, reading the boot model, preparing it
 * (measuring the kernel levels, laying matrices out), its tokenizer, its KV
 * cache, and the rest (messages, the chat template). The parts add up to
 * the total. */
static void print_ready_time(const repl_sys *sys, uint64_t platform, uint64_t repl_start, uint64_t cfg_done)
{
    uint64_t before = sys->before_start_us ? sys->before_start_us() : 0;
    uint64_t now = plat_now_us();
    uint64_t total = before + platform + (now - repl_start), accounted = before + platform + (cfg_done - repl_start);
    char t[32], a[32];
    seconds(t, sizeof t, total);
    txt_printf("Ready in %s:", t);
    if (before) {
        seconds(a, sizeof a, before);
        txt_printf(" UEFI %s,", a);
    }
    if (sys->startup_us) {
        seconds(a, sizeof a, platform);
        txt_printf(" firmware %s,", a);
    }
    seconds(a, sizeof a, cfg_done - repl_start);
    txt_printf(" repl.cfg %s", a);
    load_times lt;
    if (session_load_times(&lt)) {
        seconds(a, sizeof a, lt.read_us);
        /* MiB/s, as the loader's own read line */
        uint64_t mb_s = lt.read_us ? lt.read_bytes * 1000000ull / lt.read_us >> 20 : 0;
        txt_printf(", model read %s (%llu MB/s)", a, (unsigned long long)mb_s);
        seconds(a, sizeof a, lt.prepare_us);
        txt_printf(", model preparation %s", a);
        seconds(a, sizeof a, lt.tokenizer_us);
        txt_printf(", tokenizer %s", a);
        seconds(a, sizeof a, lt.state_us);
        txt_printf(", KV cache %s", a);
        accounted += lt.read_us + lt.prepare_us + lt.tokenizer_us + lt.state_us;
    }
    seconds(a, sizeof a, total > accounted ? total - accounted : 0);
    txt_printf(", other %s\n", a);
}

void repl_run(const repl_sys *sys)
{
    static repl_state st;
    uint64_t platform_us = sys->startup_us ? sys->startup_us() : 0, repl_start = plat_now_us();
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
    uint64_t cfg_done = plat_now_us();
    cores_apply(&st);
    font_scale_apply(&st);
    session_boot(&st);
    print_ready_time(sys, platform_us, repl_start, cfg_done);
    txt_printf("Type /help for commands.\n");

    char *line = plat_alloc(LINE_CAP);
    static char fallback[256]; /* if even 16 KiB cannot be had */
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
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) return;
    if (*p == '/')
        command_run(st, p);
    else
        session_chat(st, p);
}
