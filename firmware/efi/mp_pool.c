/* The work pool: plat_parallel_for over the boot processor (BSP) and the
 * application processors (APs) that mp.c started.
 *
 * Every AP runs mp_pool_ap_main for as long as the app runs. It spins on a
 * generation counter; the BSP publishes a job (fn, ctx, n, parts), bumps the
 * counter, does share 0 itself and waits until every AP has acknowledged the
 * generation. An AP calls no boot service (they are not MP-safe) and reads
 * the job only between seeing a new generation and acknowledging it, so the
 * BSP may rewrite the job, load another model or be interrupted whenever no
 * job is in flight.
 *
 * The split is deterministic (plat_share_range): share i of `parts` is the
 * contiguous range [n*i/parts, n*(i+1)/parts), each at least the caller's
 * grain. Each index goes to exactly one call, and the
 * range function computes an output element the same way on any core, so
 * results are bit-identical for any core count. Which AP takes which share
 * does not matter for the result; it is fixed by the order the APs checked in. */
#include "mp_pool.h"

#include "cpu.h"
#include "platform.h"

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

typedef struct pool_job {
    plat_range_fn fn;
    void *ctx;
    size_t n;
    unsigned parts;
} pool_job;

/* Written by the BSP before it bumps `generation` (release), read by APs
 * after they see the new generation (acquire). */
static pool_job job;
/* The hot words get their own cache lines so spinning readers of one do
 * not steal the line the other is written in. */
static uint64_t generation __attribute__((aligned(64)));
static unsigned acked __attribute__((aligned(64)));      /* APs done with this generation */
static unsigned checked_in __attribute__((aligned(64))); /* APs that entered the loop */
static unsigned exited;                                  /* APs that returned to the firmware (mp_pool_stop) */
static bool stopping;

/* BSP-only state. */
static unsigned pool_aps;   /* APs in the pool: they all acknowledge each job */
static unsigned in_use = 1; /* shares per job: 1 = the BSP alone */
static bool busy;           /* a job is in flight (nested calls run inline) */

static void run_share(const pool_job *j, unsigned index)
{
    size_t begin, end;
    plat_share_range(j->n, j->parts, index, &begin, &end);
    if (begin < end) j->fn(j->ctx, begin, end);
}

void EFIAPI mp_pool_ap_main(void *arg)
{
    (void)arg;
    /* CR4.OSXSAVE and XCR0 are per-core: without this, the first AVX
     * instruction of a kernel faults on this AP. */
    fw_cpu_enable_simd();
    uint64_t seen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
    unsigned index = 1 + __atomic_fetch_add(&checked_in, 1, __ATOMIC_ACQ_REL);
    for (;;) {
        uint64_t g;
        while ((g = __atomic_load_n(&generation, __ATOMIC_ACQUIRE)) == seen) cpu_relax();
        seen = g;
        if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
            __atomic_fetch_add(&exited, 1, __ATOMIC_RELEASE);
            return; /* back to the firmware's own AP idle loop */
        }
        pool_job local = job;
        if (index < local.parts) run_share(&local, index);
        /* Release: our output writes are visible before the BSP sees the ack. */
        __atomic_fetch_add(&acked, 1, __ATOMIC_RELEASE);
    }
}

unsigned mp_pool_checked_in(void) { return __atomic_load_n(&checked_in, __ATOMIC_ACQUIRE); }

void mp_pool_enable(unsigned aps)
{
    pool_aps = aps;
    in_use = aps + 1;
}

unsigned mp_pool_capacity(void) { return pool_aps + 1; }

unsigned mp_pool_use(unsigned limit)
{
    unsigned cap = pool_aps + 1;
    in_use = limit == 0 || limit > cap ? cap : limit;
    return in_use;
}

unsigned mp_pool_in_use(void) { return in_use; }

void mp_pool_stop(uint64_t timeout_us)
{
    if (!pool_aps || busy) return;
    __atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
    __atomic_fetch_add(&generation, 1, __ATOMIC_RELEASE);
    uint64_t t0 = plat_now_us();
    while (__atomic_load_n(&exited, __ATOMIC_ACQUIRE) < pool_aps && plat_now_us() - t0 < timeout_us) cpu_relax();
    pool_aps = 0;
    in_use = 1;
}

void plat_parallel_for(size_t n, size_t grain, plat_range_fn fn, void *ctx)
{
    if (!n) return;
    unsigned parts = plat_share_count(n, grain, in_use);
    /* busy: fn itself called plat_parallel_for (on any core); run inline. */
    if (parts <= 1 || __atomic_load_n(&busy, __ATOMIC_ACQUIRE)) {
        fn(ctx, 0, n);
        return;
    }
    __atomic_store_n(&busy, true, __ATOMIC_RELAXED);
    job = (pool_job){fn, ctx, n, parts};
    __atomic_store_n(&acked, 0, __ATOMIC_RELAXED);
    /* Release: the job and acked = 0 are visible before the new generation. */
    __atomic_fetch_add(&generation, 1, __ATOMIC_RELEASE);
    run_share(&job, 0);
    while (__atomic_load_n(&acked, __ATOMIC_ACQUIRE) != pool_aps) cpu_relax();
    __atomic_store_n(&busy, false, __ATOMIC_RELEASE);
}

unsigned plat_core_count(void) { return in_use; }
