/* Autorun: REPL lines from a file on the boot volume, run as if typed.
 *
 * From `autorun=FILE` in repl.cfg (after the model is loaded at boot) or
 * `/autorun FILE`. Each line is echoed after the prompt, exactly as a typed
 * line appears, so a transcript of an autorun session reads (and is parsed
 * by the boot tests) like an interactive one. Blank lines and lines starting
 * with '#' are skipped. At the end the prompt takes over; a `/shutdown` line
 * ends the session instead, which is how an unattended benchmark powers off. */
#include "platform.h"
#include "session.h"
#include "text.h"

void autorun_file(repl_state *st, const char *path)
{
    uint64_t size = 0;
    plat_file *f = plat_open(path, &size);
    if (!f) {
        txt_printf("autorun: %s is not on the boot volume: nothing run\n", path);
        return;
    }
    /* A file that runs itself (or two that run each other) would never end. */
    static bool running;
    if (running) {
        txt_printf("autorun: %s not run: autorun files cannot start other autorun files\n", path);
        plat_close(f);
        return;
    }
    char *text = size < (1ull << 30) ? plat_alloc((size_t)size + 1) : 0;
    if (!text || !plat_read(f, 0, text, (size_t)size)) {
        txt_printf("autorun: cannot read %s (%llu bytes): nothing run\n", path, (unsigned long long)size);
        plat_free(text);
        plat_close(f);
        return;
    }
    plat_close(f);
    text[size] = 0;

    running = true;
    unsigned count = 0;
    char *p = text, *end = text + size;
    if (size >= 3 && (uint8_t)p[0] == 0xef && (uint8_t)p[1] == 0xbb && (uint8_t)p[2] == 0xbf)
        p += 3;  /* byte-order mark from Windows editors */
    while (p < end) {
        char *nl = p;
        while (nl < end && *nl != '\n')
            nl++;
        char *e = nl;
        while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        *e = 0;
        char *line = p;
        p = nl + 1;
        while (*line == ' ' || *line == '\t')
            line++;
        if (!*line || *line == '#')
            continue;
        txt_printf("%s%s\n", REPL_PROMPT, line);
        count++;
        repl_execute(st, line);
    }
    running = false;
    plat_free(text);
    txt_printf("autorun: %s done (%u line%s)\n", path, count, count == 1 ? "" : "s");
}
