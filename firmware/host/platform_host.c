/* The platform interface on Linux: libc for memory, files, output, clock
 * (the thread pool is in thread_pool.c). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host_platform.h"
#include "platform.h"

void *plat_alloc(size_t size) {
    size_t rounded = (size + 63) / 64 * 64;
    if (rounded < size) return NULL;
    void *p = aligned_alloc(64, rounded ? rounded : 64);
    if (p) memset(p, 0, rounded);
    return p;
}

void plat_free(void *block) { free(block); }

struct plat_file {
    int fd;
};

plat_file *plat_open(const char *path, uint64_t *size_out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    plat_file *f = malloc(sizeof *f);
    if (!f) {
        close(fd);
        return NULL;
    }
    f->fd = fd;
    if (size_out) *size_out = (uint64_t)st.st_size;
    return f;
}

bool plat_read(plat_file *file, uint64_t offset, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = pread(file->fd, p, len, (off_t)offset);
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return true;
}

void plat_close(plat_file *file) {
    if (!file) return;
    close(file->fd);
    free(file);
}

void plat_write(const char *text, size_t len) {
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}

uint64_t plat_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* plat_parallel_for and plat_core_count: thread_pool.c. */
