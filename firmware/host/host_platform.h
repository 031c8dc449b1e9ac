/* Host-only knobs of the Linux platform layer. */
#pragma once

#include <stddef.h>

/* Threads for plat_parallel_for (thread_pool.c); 0 = all online CPUs,
 * which is also the default. */
void host_set_threads(unsigned n);
unsigned host_get_threads(void);

/* Bytes held in plat_alloc blocks right now. */
size_t host_allocated_bytes(void);
