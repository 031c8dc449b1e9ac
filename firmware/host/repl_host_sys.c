/* repl_sys on Linux: what the firmware's REPL needs from the machine,
 * from a terminal (terminal.c), a directory (volume.c), /proc/meminfo and
 * the thread pool. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host_platform.h"
#include "host_repl.h"
#include "host_terminal.h"
#include "host_volume.h"

/* loader.c's tokenizer built into the firmware (firmware/efi, -Dtokenizer):
 * the hosted REPL has none; a llama2.c model takes tokenizer.bin from the
 * directory, as on a stick with a firmware built without one. */
const unsigned char llmbm_embedded_tokenizer[1] = {0};
const unsigned long long llmbm_embedded_tokenizer_size = 0;

static host_repl_options opts;

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* repl_sys.list_dir over the volume (volume.c), entries in name order: readdir's order depends on the file system, and a
 * listing that changes between runs helps nobody. */
static bool list_dir(const char *dir, repl_dir_fn fn, void *ctx)
{
    int fd = host_volume_open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return false;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return false;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                ok = false;
                break;
            }
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name)))
            ok = false;
        else
            n++;
    }
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        /* stat, not lstat: a link to a model lists as the model. */
        if (ok && fstatat(dirfd(d), names[i], &st, 0) == 0) {
            repl_dirent entry = {names[i], S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, S_ISDIR(st.st_mode)};
            fn(ctx, &entry);
        }
        free(names[i]);
    }
    free(names);
    closedir(d);
    return ok;
}

/* MemAvailable from /proc/meminfo, in bytes (0 if unreadable). */
static uint64_t mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    if (!f) return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) break;
    fclose(f);
    return (uint64_t)kb << 10;
}

/* Linux gives no single "largest block": virtual memory makes any free
 * amount one block. --memory MB caps it like a smaller machine, counting
 * what plat_alloc holds exactly (so a leak shows in /ctx). */
static void memory(uint64_t *free_total, uint64_t *largest_free)
{
    uint64_t avail = mem_available();
    if (opts.memory_limit) {
        uint64_t used = host_allocated_bytes();
        uint64_t left = used < opts.memory_limit ? opts.memory_limit - used : 0;
        if (!avail || left < avail) avail = left;
    }
    *free_total = *largest_free = avail;
}

static int32_t read_key(void)
{
    int32_t key = term_read_key();
    if (key == TERM_END_OF_INPUT) {
        /* The script (or Ctrl-D's end of a pipe) is over: end as /shutdown. */
        fputs("\n", stdout);
        host_repl_exit(0);
    }
    return key;
}

/* The machine's cores are -T's threads (all online CPUs by default);
 * repl.cfg's cores= may use fewer. */
static unsigned use_cores(unsigned limit)
{
    unsigned all = opts.threads;
    host_set_threads(limit == 0 || limit > all ? all : limit);
    return host_get_threads();
}

static unsigned core_id(void) { return (unsigned)syscall(SYS_gettid); }

static void do_reboot(void) { host_repl_reboot(); }

static void do_shutdown(void) { host_repl_exit(0); }

const repl_sys *host_repl_sys(const host_repl_options *o)
{
    opts = *o;
    if (!opts.threads) {
        host_set_threads(0);
        opts.threads = host_get_threads();
    }
    /* model=FILE and isa=LEVEL from the command line, for repl.c. */
    static char model_setting[4200], isa_setting[64];
    static const char *settings[3];
    int n = 0;
    if (opts.model) {
        snprintf(model_setting, sizeof model_setting, "model=%s", opts.model);
        settings[n++] = model_setting;
    }
    if (opts.isa) {
        snprintf(isa_setting, sizeof isa_setting, "isa=%s", opts.isa);
        settings[n++] = isa_setting;
    }
    settings[n] = NULL;
    static repl_sys sys;
    sys = (repl_sys){
        .read_key = read_key,
        .poll_key = term_poll_key,
        .list_dir = list_dir,
        .memory = memory,
        .reboot = do_reboot,
        .shutdown = do_shutdown,
        .use_cores = use_cores,
        .core_id = core_id,
        .columns = term_columns,
        .settings = settings,
    };
    return &sys;
}

uint64_t host_repl_available_memory(void)
{
    uint64_t total, largest;
    memory(&total, &largest);
    return total;
}
