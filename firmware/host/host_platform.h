/* Host-only knobs of the Linux platform layer. */
#pragma once

/* Threads for plat_parallel_for (thread_pool.c); 0 = all online CPUs,
 * which is also the default. */
void host_set_threads(unsigned n);
unsigned host_get_threads(void);
