/* The engine's only window on the world.
 *
 * The engine (firmware/engine) and the kernels include nothing from libc or
 * UEFI: every effect goes through these functions. firmware/host implements
 * them on Linux (libc + pthreads), firmware/efi on UEFI boot services. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Memory. Blocks are 64-byte aligned and zero-filled; NULL when memory is
 * exhausted (the engine reports that, it never crashes on it). */
void *plat_alloc(size_t size);
void plat_free(void *block);

/* Files, read by ranges. A path uses '/' separators; the EFI layer maps them.
 * plat_open returns NULL if the file is missing or unreadable. plat_read is
 * all-or-nothing: false if fewer than len bytes could be read at offset. */
typedef struct plat_file plat_file;
plat_file *plat_open(const char *path, uint64_t *size_out);
bool plat_read(plat_file *file, uint64_t offset, void *buf, size_t len);
void plat_close(plat_file *file);

/* Text output (UTF-8): generated text and messages for the user. */
void plat_write(const char *text, size_t len);

/* Monotonic clock in microseconds. */
uint64_t plat_now_us(void);

/* Runs fn(ctx, begin, end) over disjoint ranges covering [0, n), on as many
 * cores as the platform has, and returns when all are done. Each index is
 * handled by exactly one call, so results never depend on the core count.
 * Every share holds at least `grain` indices: only the caller knows what an
 * index costs, and a share too small to pay for handing it to another core
 * is better done on this one. */
typedef void (*plat_range_fn)(void *ctx, size_t begin, size_t end);
void plat_parallel_for(size_t n, size_t grain, plat_range_fn fn, void *ctx);
unsigned plat_core_count(void);

/* The split every platform uses: how many shares n indices get on `cores`
 * cores, and share i of `parts` = [n*i/parts, n*(i+1)/parts). */
static inline unsigned plat_share_count(size_t n, size_t grain, unsigned cores)
{
    size_t most = n / (grain ? grain : 1);
    if (most < 1) most = 1;
    return most < cores ? (unsigned)most : cores;
}

static inline void plat_share_range(size_t n, unsigned parts, unsigned i, size_t *begin, size_t *end)
{
    *begin = n * i / parts;
    *end = n * (i + 1) / parts;
}
