/* plat_parallel_for on Linux: a persistent pthread pool.
 *
 * The same job protocol as the firmware's AP pool (firmware/efi/mp_pool.c):
 * the calling thread publishes a job and bumps a generation counter, works
 * on share 0 itself, and waits until every pool thread has acknowledged the
 * generation. Share i of `parts` is [n*i/parts, n*(i+1)/parts) (at least the
 * caller's grain; plat_share_range), so each index
 * is handled by exactly one call and results are bit-identical for any -T.
 *
 * A decode step issues hundreds of short jobs, so waiting threads first spin
 * a little (a wake-up through the kernel costs more than most jobs) and then
 * sleep on a condition variable. They do not spin when there are more
 * threads than CPUs: a spinning thread would then steal the CPU from the
 * one doing the work. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "host_platform.h"
#include "platform.h"

#define SPIN_ITERATIONS 4000
#define MAX_THREADS     1024

typedef struct pool_job {
    plat_range_fn fn;
    void *ctx;
    size_t n;
    unsigned parts;
} pool_job;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
/* Written before `generation` is bumped (release), read after it is seen. */
static pool_job job;
static uint64_t generation;
static unsigned pending; /* pool threads yet to acknowledge this generation */
static unsigned pool_threads;
static bool busy;

/* 0 until set: then all online CPUs. */
static unsigned host_threads;
static unsigned spin_limit = SPIN_ITERATIONS;

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

void host_set_threads(unsigned n)
{
    host_threads = n == 0 ? online_cpus() : n > MAX_THREADS ? MAX_THREADS : n;
    __atomic_store_n(&spin_limit, host_threads > online_cpus() ? 0u : SPIN_ITERATIONS, __ATOMIC_RELAXED);
}

unsigned host_get_threads(void)
{
    if (!host_threads) host_set_threads(0);
    return host_threads;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("pause" ::: "memory");
#else
    __asm__ volatile("" ::: "memory");
#endif
}

static void run_share(const pool_job *j, unsigned index)
{
    size_t begin, end;
    plat_share_range(j->n, j->parts, index, &begin, &end);
    if (begin < end) j->fn(j->ctx, begin, end);
}

typedef struct worker_start {
    unsigned index;
    uint64_t generation; /* the last one before the thread existed */
} worker_start;

static void *worker(void *arg)
{
    worker_start start = *(worker_start *)arg;
    free(arg);
    unsigned index = start.index;
    /* Not read from `generation` here: the thread may first run after the
     * job it was created for has been published. */
    uint64_t seen = start.generation;
    for (;;) {
        unsigned spins = __atomic_load_n(&spin_limit, __ATOMIC_RELAXED);
        for (unsigned i = 0; i < spins && __atomic_load_n(&generation, __ATOMIC_ACQUIRE) == seen; i++) cpu_relax();
        if (__atomic_load_n(&generation, __ATOMIC_ACQUIRE) == seen) {
            pthread_mutex_lock(&lock);
            while (__atomic_load_n(&generation, __ATOMIC_ACQUIRE) == seen) pthread_cond_wait(&work_cv, &lock);
            pthread_mutex_unlock(&lock);
        }
        seen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
        pool_job local = job;
        if (index < local.parts) run_share(&local, index);
        if (__atomic_sub_fetch(&pending, 1, __ATOMIC_ACQ_REL) == 0) {
            /* Under the lock, so the caller cannot miss it between its
             * check of `pending` and its wait. */
            pthread_mutex_lock(&lock);
            pthread_cond_signal(&done_cv);
            pthread_mutex_unlock(&lock);
        }
    }
    return NULL;
}

/* Grows the pool to `want` threads (between jobs only). If the system
 * refuses a thread, the pool stays smaller and shares are capped to it. */
static void grow_pool(unsigned want)
{
    while (pool_threads < want) {
        worker_start *start = malloc(sizeof *start);
        if (!start) return;
        *start = (worker_start){pool_threads + 1, __atomic_load_n(&generation, __ATOMIC_RELAXED)};
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &attr, worker, start);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            free(start);
            return;
        }
        pool_threads++;
    }
}

void plat_parallel_for(size_t n, size_t grain, plat_range_fn fn, void *ctx)
{
    if (!n) return;
    unsigned parts = plat_share_count(n, grain, host_get_threads());
    /* busy: fn itself called plat_parallel_for; run that inline. */
    if (parts <= 1 || __atomic_load_n(&busy, __ATOMIC_ACQUIRE)) {
        fn(ctx, 0, n);
        return;
    }
    grow_pool(host_get_threads() - 1);
    if (parts > pool_threads + 1) parts = pool_threads + 1;
    if (parts <= 1) {
        fn(ctx, 0, n);
        return;
    }
    __atomic_store_n(&busy, true, __ATOMIC_RELAXED);
    job = (pool_job){fn, ctx, n, parts};
    /* Every pool thread acknowledges every job, even one with no share:
     * then none can still be reading `job` when the next one is written. */
    __atomic_store_n(&pending, pool_threads, __ATOMIC_RELAXED);
    pthread_mutex_lock(&lock);
    __atomic_fetch_add(&generation, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&work_cv);
    pthread_mutex_unlock(&lock);

    run_share(&job, 0);

    unsigned spins = __atomic_load_n(&spin_limit, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < spins && __atomic_load_n(&pending, __ATOMIC_ACQUIRE); i++) cpu_relax();
    if (__atomic_load_n(&pending, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&lock);
        while (__atomic_load_n(&pending, __ATOMIC_ACQUIRE)) pthread_cond_wait(&done_cv, &lock);
        pthread_mutex_unlock(&lock);
    }
    __atomic_store_n(&busy, false, __ATOMIC_RELEASE);
}

unsigned plat_core_count(void) { return host_get_threads(); }
