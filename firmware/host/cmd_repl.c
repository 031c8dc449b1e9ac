/* `llmbm repl [DIR] [-m MODEL] [-T THREADS] [--memory MB]`: the firmware's
 * REPL (firmware/repl, the same sources the UEFI application is built from)
 * on Linux, with DIR as the boot volume.
 *
 * /reboot starts a fresh process (exec of this same command line) rather
 * than jumping back into repl_run: the REPL keeps its state in statics
 * (the loaded model, the history, autorun's nesting guard), and only a new
 * process resets all of them the way a real reboot does, repl.cfg re-read
 * included. Input already read from stdin but not used travels along in
 * LLMBM_REPL_PENDING, so a script continues where it was. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "host_repl.h"
#include "host_terminal.h"
#include "host_volume.h"

#ifndef LLMBM_VERSION
#define LLMBM_VERSION "unknown"
#endif

#define PENDING_ENV "LLMBM_REPL_PENDING"

static char **restart_argv;

void host_repl_exit(int status)
{
    fflush(stdout);
    term_restore();
    exit(status);
}

void host_repl_reboot(void)
{
    unsigned char bytes[16];
    size_t n = term_take_pending(bytes, sizeof bytes);
    char hex[2 * sizeof bytes + 1];
    for (size_t i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    hex[2 * n] = 0;
    setenv(PENDING_ENV, hex, 1);
    fflush(stdout);
    term_restore();
    execv("/proc/self/exe", restart_argv);
    cli_error("/reboot: cannot restart llmbm: %m");
    exit(CLI_ERROR);
}

static void take_pending_from_env(void)
{
    const char *hex = getenv(PENDING_ENV);
    if (!hex) return;
    unsigned char bytes[16];
    size_t n = 0;
    unsigned v;
    while (n < sizeof bytes && hex[2 * n] && sscanf(hex + 2 * n, "%2x", &v) == 1) bytes[n++] = (unsigned char)v;
    term_give_pending(bytes, n);
    unsetenv(PENDING_ENV);
}

/* MODEL's NAME.tpl sibling (templates.c looks there), or "" for none. */
static void tpl_sibling(const char *model, char *out, size_t cap)
{
    const char *slash = strrchr(model, '/');
    const char *dot = strrchr(slash ? slash : model, '.');
    size_t stem = dot ? (size_t)(dot - model) : strlen(model);
    if (stem + 5 > cap) {
        out[0] = 0;
        return;
    }
    memcpy(out, model, stem);
    memcpy(out + stem, ".tpl", 5);
}

static void usage(void) { cli_error("usage: llmbm repl [DIR] [-m MODEL] [-T THREADS] [--memory MB]"); }

int cmd_repl(int argc, char **argv, char **full_argv)
{
    const char *dir = ".";
    bool have_dir = false;
    host_repl_options o = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        long long n = 0;
        if (!strcmp(a, "-m") || !strcmp(a, "-T") || !strcmp(a, "--memory")) {
            if (i + 1 >= argc) {
                cli_error("option %s needs a value", a);
                return CLI_USAGE;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "-m")) {
                o.model = v;
                continue;
            }
            if (!cli_parse_long(a, v, &n)) return CLI_USAGE;
            if (n < 0 || n > (!strcmp(a, "-T") ? 1024 : 1ll << 40)) {
                cli_error("%s %lld is out of range", a, n);
                return CLI_USAGE;
            }
            if (!strcmp(a, "-T"))
                o.threads = (unsigned)n;
            else
                o.memory_limit = (uint64_t)n << 20;
        } else if (a[0] == '-' || have_dir) {
            usage();
            return CLI_USAGE;
        } else {
            dir = a;
            have_dir = true;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || !host_volume_set_root(dir)) {
        cli_error("repl: %s is not a directory that can be opened (it is the boot volume: repl.cfg, models)", dir);
        return CLI_ERROR;
    }
    static char model_path[PATH_MAX], tpl_path[PATH_MAX + 8];
    if (o.model) {
        /* Absolute, so the REPL's messages say which file it is; links are
         * not resolved, so the NAME.tpl looked for is the one beside the
         * name given. */
        char cwd[PATH_MAX];
        int len = -1;
        if (strlen(o.model) >= sizeof model_path / 2) {
            cli_error("repl: -m: a path of %zu bytes is too long", strlen(o.model));
            return CLI_ERROR;
        }
        if (o.model[0] == '/')
            len = snprintf(model_path, sizeof model_path, "%s", o.model);
        else if (getcwd(cwd, sizeof cwd))
            len = snprintf(model_path, sizeof model_path, "%s/%.*s", cwd, (int)(sizeof model_path / 2), o.model);
        if (len < 0 || (size_t)len >= sizeof model_path || stat(model_path, &st) != 0 || !S_ISREG(st.st_mode)) {
            cli_error("repl: -m %s: no such file", o.model);
            return CLI_ERROR;
        }
        /* The engine keeps a model's path in llmbm_model.path[200] and
         * reopens the file by it (the GGUF tokenizer): a longer one would
         * be cut and then refused. */
        if (strlen(model_path) >= sizeof((llmbm_model *)0)->path) {
            cli_error("repl: -m %s: the path is %zu bytes long; llmbm keeps at most %zu (put a link to it in %s)",
                      model_path, strlen(model_path), sizeof((llmbm_model *)0)->path - 1, dir);
            return CLI_ERROR;
        }
        tpl_sibling(model_path, tpl_path, sizeof tpl_path);
        host_volume_allow(model_path);
        if (tpl_path[0]) host_volume_allow(tpl_path);
        o.model = model_path;
    }
    restart_argv = full_argv;
    /* main took --isa out before dispatch; the REPL applies isa= itself
     * (repl.cfg's default, auto, would undo it), so hand it over. */
    for (int i = 1; full_argv[i]; i++)
        if (!strcmp(full_argv[i], "--isa") && full_argv[i + 1]) o.isa = full_argv[i + 1];
    if (!term_init()) {
        cli_error("repl: cannot put the terminal into raw mode");
        return CLI_ERROR;
    }
    take_pending_from_env();
    const repl_sys *sys = host_repl_sys(&o);
    char real_dir[PATH_MAX];
    printf("\nllm-baremetal %s (hosted: llmbm repl on Linux)\n", LLMBM_VERSION);
    printf("volume: %s | cores: %u | available memory: %llu MB%s\n", realpath(dir, real_dir) ? real_dir : dir,
           sys->use_cores(0), (unsigned long long)(host_repl_available_memory() >> 20),
           o.memory_limit ? " (--memory)" : "");
    fflush(stdout);
    repl_run(sys);
}
