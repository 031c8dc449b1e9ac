/* A minimal hosted platform layer (libc) for the GGUF/tokenizer test tools,
 * so they do not depend on firmware/host being complete. Only what the GGUF
 * modules use is real; the rest is single-threaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

void *plat_alloc(size_t size)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, size ? size : 1) != 0) return NULL;
    memset(p, 0, size);
    return p;
}

void plat_free(void *block)
{
    free(block);
}

plat_file *plat_open(const char *path, uint64_t *size_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    if (fseeko(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    *size_out = (uint64_t)ftello(f);
    return (plat_file *)f;
}

bool plat_read(plat_file *file, uint64_t offset, void *buf, size_t len)
{
    FILE *f = (FILE *)file;
    if (fseeko(f, (off_t)offset, SEEK_SET) != 0) return false;
    return fread(buf, 1, len, f) == len;
}

void plat_close(plat_file *file)
{
    fclose((FILE *)file);
}

void plat_write(const char *text, size_t len)
{
    fwrite(text, 1, len, stdout);
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

unsigned plat_core_count(void)
{
    return 1;
}
