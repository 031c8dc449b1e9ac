/* platform.h for the fuzz harnesses (fuzz_platform.h says why). */
#define _GNU_SOURCE
#include "fuzz_platform.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "platform.h"

/* The REPL loader's tokenizer built into the firmware: none, as under `llmbm repl`. */
const unsigned char llmbm_embedded_tokenizer[1] = {0};
const unsigned long long llmbm_embedded_tokenizer_size = 0;

#define MAX_FILES 64

typedef struct {
    char name[128];
    const uint8_t *data;
    size_t size;
} vfile;

static vfile files[MAX_FILES];
static unsigned n_files, n_marked;

void fuzz_volume_put(const char *name, const void *data, size_t size)
{
    unsigned i = 0;
    while (i < n_files && strcmp(files[i].name, name)) i++;
    if (i == n_files) {
        if (n_files == MAX_FILES || strlen(name) >= sizeof files[0].name) abort();
        n_files++;
    }
    snprintf(files[i].name, sizeof files[i].name, "%s", name);
    files[i].data = data;
    files[i].size = size;
}

void fuzz_volume_mark(void) { n_marked = n_files; }

void fuzz_volume_reset_to_mark(void) { n_files = n_marked; }

bool fuzz_volume_load_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return false;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        FILE *f = fopen(path, "rb");
        uint8_t *data = malloc(st.st_size ? (size_t)st.st_size : 1);
        if (!f || !data || fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) abort();
        fclose(f);
        fuzz_volume_put(e->d_name, data, (size_t)st.st_size);
    }
    closedir(d);
    return true;
}

void fuzz_volume_each(const char *prefix, fuzz_volume_fn fn, void *ctx)
{
    size_t n = strlen(prefix);
    for (unsigned i = 0; i < n_files; i++)
        if (!strncmp(files[i].name, prefix, n)) fn(ctx, files[i].name, files[i].size);
}

const char *fuzz_files_dir(void)
{
    const char *dir = getenv("LLMBM_FUZZ_FILES");
    return dir && *dir ? dir : NULL;
}

void *plat_alloc(size_t size)
{
    size_t rounded = (size + 63) / 64 * 64;
    if (rounded < size) return NULL;
    /* Far more than any fuzz input needs: a size from a corrupt header is
     * refused here as a machine without that much memory would. */
    if (rounded > ((size_t)1 << 31)) return NULL;
    void *p = aligned_alloc(64, rounded ? rounded : 64);
    if (p) memset(p, 0, rounded);
    return p;
}

void plat_free(void *block) { free(block); }

struct plat_file {
    const uint8_t *data;
    size_t size;
};

plat_file *plat_open(const char *path, uint64_t *size_out)
{
    for (unsigned i = 0; i < n_files; i++) {
        if (strcmp(files[i].name, path)) continue;
        plat_file *f = malloc(sizeof *f);
        if (!f) return NULL;
        f->data = files[i].data;
        f->size = files[i].size;
        if (size_out) *size_out = f->size;
        return f;
    }
    return NULL;
}

bool plat_read(plat_file *file, uint64_t offset, void *buf, size_t len)
{
    if (offset > file->size || len > file->size - offset) return false;
    memcpy(buf, file->data + offset, len);
    return true;
}

void plat_close(plat_file *file) { free(file); }

void plat_write(const char *text, size_t len)
{
    static int echo = -1;
    if (echo < 0) echo = getenv("LLMBM_FUZZ_ECHO") != NULL;
    if (echo) fwrite(text, 1, len, stderr);
}

uint64_t plat_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void plat_parallel_for(size_t n, size_t grain, plat_range_fn fn, void *ctx)
{
    (void)grain;
    if (n) fn(ctx, 0, n);
}

unsigned plat_core_count(void) { return 1; }
