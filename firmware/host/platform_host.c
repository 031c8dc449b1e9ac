/* The platform interface on Linux: libc for memory, files, output, clock
 * (the thread pool is in thread_pool.c). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host_platform.h"
#include "host_volume.h"
#include "platform.h"

/* Blocks of at least LARGE_BLOCK (model weights, the KV cache) are mapped
 * on 2 MiB boundaries and asked to use transparent huge pages: decoding
 * streams every weight once per token, and with 4 KiB pages that is a TLB
 * miss every 4 KiB. (The firmware's memory is identity-mapped with large
 * pages already, so this also makes host speed the firmware's.) Every block
 * carries a header saying how to release it. */
#define LARGE_BLOCK ((size_t)4 << 20)
#define HUGE_PAGE   ((size_t)2 << 20)
#define HEADER      64u

typedef struct {
    void *base;    /* what to pass to free() or munmap() */
    size_t length; /* 0 for a malloc'd block, else the mapping's length */
    size_t size;   /* as asked, rounded: for host_allocated_bytes */
} block_header;

/* Fault injection, for tests of what an allocation failure or a read error
 * does (llmbm_build.fault_injection drives them):
 *   LLMBM_FAIL_ALLOC=N   the N-th plat_alloc call (1-based) returns NULL
 *   LLMBM_FAIL_READ=N    the N-th plat_read call returns false
 *   LLMBM_FAIL_READ_AT=B the first plat_read whose range covers byte B of a
 *                        file returns false (once: a later read of B works)
 *   LLMBM_FAIL_READ_PATH=S  with _AT: only files whose path ends in S
 *   LLMBM_FAULT_COUNT=1  at exit, stderr gets "llmbm faults: A allocations,
 *                        R reads" (the counts a run reached, for choosing N)
 * With any of them set, every block comes from malloc (no mmap for large
 * ones) so that LeakSanitizer, in an ASan build, sees every block. */
typedef struct {
    bool on;
    unsigned long long fail_alloc, fail_read;
    unsigned long long allocs, reads;
    bool fail_at_set;  /* LLMBM_FAIL_READ_AT given (byte 0 is an offset too) */
    bool fail_at_done; /* that read has failed */
    unsigned long long fail_at;
    const char *fail_path; /* LLMBM_FAIL_READ_PATH, else NULL: every file */
} fault_state;

static fault_state faults;

static void report_faults(void)
{
    fprintf(stderr, "llmbm faults: %llu allocations, %llu reads\n", __atomic_load_n(&faults.allocs, __ATOMIC_RELAXED),
            __atomic_load_n(&faults.reads, __ATOMIC_RELAXED));
}

static unsigned long long env_count(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 10) : 0;
}

/* Read once, before the first allocation or read (constructor: before main). */
__attribute__((constructor)) static void faults_init(void)
{
    faults.fail_alloc = env_count("LLMBM_FAIL_ALLOC");
    faults.fail_read = env_count("LLMBM_FAIL_READ");
    const char *at = getenv("LLMBM_FAIL_READ_AT"), *path = getenv("LLMBM_FAIL_READ_PATH");
    faults.fail_at_set = at && *at;
    faults.fail_at = env_count("LLMBM_FAIL_READ_AT");
    faults.fail_path = path && *path ? path : NULL;
    bool count = env_count("LLMBM_FAULT_COUNT") != 0;
    faults.on = faults.fail_alloc || faults.fail_read || faults.fail_at_set || count;
    if (count) atexit(report_faults);
}

/* Whether reads of this file may meet LLMBM_FAIL_READ_AT. */
static bool fault_file(const char *path)
{
    if (!faults.fail_at_set) return false;
    if (!faults.fail_path) return true;
    size_t n = strlen(path), k = strlen(faults.fail_path);
    return n >= k && !strcmp(path + n - k, faults.fail_path);
}

/* True when this read covers the byte to fail at, the first time one does. */
static bool fault_at(uint64_t offset, size_t len)
{
    if (!len || faults.fail_at < offset || faults.fail_at - offset >= len) return false;
    bool was = __atomic_exchange_n(&faults.fail_at_done, true, __ATOMIC_RELAXED);
    return !was;
}

/* True when this call is the one to fail. */
static bool fault_now(unsigned long long *counter, unsigned long long fail_at)
{
    unsigned long long n = __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
    return n == fail_at;
}

/* Bytes in live plat_alloc blocks: `llmbm repl --memory` budgets against
 * it, and it is exact, so a leak shows as a changed number. */
static size_t live_bytes;

size_t host_allocated_bytes(void) { return __atomic_load_n(&live_bytes, __ATOMIC_RELAXED); }

static void *alloc_large(size_t rounded)
{
    size_t length = rounded + HUGE_PAGE + HUGE_PAGE;
    if (length < rounded) return NULL;
    uint8_t *base = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return NULL;
    uintptr_t first = ((uintptr_t)base + HEADER + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uint8_t *block = (uint8_t *)first;
    /* Only a hint: without THP the block still works on small pages. */
    (void)madvise(block, rounded, MADV_HUGEPAGE);
    block_header *h = (block_header *)(void *)(block - HEADER);
    h->base = base;
    h->length = length;
    h->size = rounded;
    __atomic_add_fetch(&live_bytes, rounded, __ATOMIC_RELAXED);
    return block; /* anonymous mappings are zero-filled */
}

void *plat_alloc(size_t size)
{
    if (faults.on && fault_now(&faults.allocs, faults.fail_alloc)) return NULL;
    size_t rounded = (size + 63) / 64 * 64;
    if (rounded < size || rounded > SIZE_MAX - HEADER) return NULL;
    if (rounded >= LARGE_BLOCK && !faults.on) return alloc_large(rounded);
    uint8_t *base = aligned_alloc(64, HEADER + (rounded ? rounded : 64));
    if (!base) return NULL;
    memset(base + HEADER, 0, rounded);
    block_header *h = (block_header *)(void *)base;
    h->base = base;
    h->length = 0;
    h->size = rounded;
    __atomic_add_fetch(&live_bytes, rounded, __ATOMIC_RELAXED);
    return base + HEADER;
}

void plat_free(void *block)
{
    if (!block) return;
    const block_header *h = (const block_header *)(void *)((uint8_t *)block - HEADER);
    __atomic_sub_fetch(&live_bytes, h->size, __ATOMIC_RELAXED);
    if (h->length)
        munmap(h->base, h->length);
    else
        free(h->base);
}

struct plat_file {
    int fd;
    bool fault_at; /* reads may meet LLMBM_FAIL_READ_AT */
};

plat_file *plat_open(const char *path, uint64_t *size_out)
{
    /* Under `llmbm repl`, paths are the boot volume's (volume.c); O_NONBLOCK
     * so that a FIFO named at the prompt is refused below rather than
     * waited on (it changes nothing for regular files). */
    int fd = host_volume_active() ? host_volume_open(path, O_RDONLY | O_NONBLOCK) : open(path, O_RDONLY | O_CLOEXEC);
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
    f->fault_at = faults.on && fault_file(path);
    if (size_out) *size_out = (uint64_t)st.st_size;
    return f;
}

bool plat_read(plat_file *file, uint64_t offset, void *buf, size_t len)
{
    if (faults.on && fault_now(&faults.reads, faults.fail_read)) return false;
    if (file->fault_at && fault_at(offset, len)) return false;
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

void plat_close(plat_file *file)
{
    if (!file) return;
    close(file->fd);
    free(file);
}

void plat_write(const char *text, size_t len)
{
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}

uint64_t plat_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* plat_parallel_for and plat_core_count: thread_pool.c. */
