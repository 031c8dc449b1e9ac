/* plat_parallel_for on the host pool (firmware/host/thread_pool.c): every
 * index exactly once, contiguous ascending ranges, every thread count and
 * awkward n, thread counts changed between jobs, and nested calls. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host_platform.h"
#include "platform.h"

enum { MAX_N = 5000 };

typedef struct visit_ctx {
    unsigned visits[MAX_N];
    size_t calls;
    size_t ranges[64][2];
    pthread_mutex_t lock;
} visit_ctx;

static void visit(void *arg, size_t begin, size_t end)
{
    visit_ctx *c = arg;
    for (size_t i = begin; i < end; i++) __atomic_fetch_add(&c->visits[i], 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&c->lock);
    if (c->calls < 64) {
        c->ranges[c->calls][0] = begin;
        c->ranges[c->calls][1] = end;
    }
    c->calls++;
    pthread_mutex_unlock(&c->lock);
}

static visit_ctx c = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void check_split(unsigned threads, size_t n, size_t grain)
{
    memset(c.visits, 0, sizeof c.visits);
    c.calls = 0;
    host_set_threads(threads);
    plat_parallel_for(n, grain, visit, &c);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) wrong += c.visits[i] != 1;
    CHECK_MSG(wrong == 0, "-T %u n %zu grain %zu: %zu indices not visited exactly once", threads, n, grain, wrong);
    /* One share per thread, but at least `grain` indices each. */
    size_t want = n / grain < threads ? n / grain : threads;
    if (n && !want) want = 1;
    CHECK_MSG(c.calls == want, "-T %u n %zu grain %zu: %zu calls, want %zu", threads, n, grain, c.calls, want);
    for (size_t k = 0; k < c.calls && k < 64; k++)
        CHECK_MSG(c.ranges[k][0] < c.ranges[k][1], "-T %u n %zu: empty range", threads, n);
}

static void inner(void *arg, size_t begin, size_t end)
{
    unsigned *block = arg;
    for (size_t i = begin; i < end; i++) __atomic_fetch_add(&block[i], 1, __ATOMIC_RELAXED);
}

/* Each outer index runs a nested job over its own block of 100 entries: the
 * pool must run it inline instead of waiting for itself. */
static void outer(void *arg, size_t begin, size_t end)
{
    unsigned *visits = arg;
    for (size_t i = begin; i < end; i++) plat_parallel_for(100, 1, inner, visits + i * 100);
}

int main(void)
{
    static const size_t sizes[] = {0, 1, 7, 31, 32, 33, 64, 100, 127, 288, 1000, 4097, MAX_N};
    static const unsigned threads[] = {1, 2, 3, 4, 5, 8, 16, 3, 1, 2};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (size_t grain = 1; grain <= 32; grain += 31) check_split(threads[t], sizes[s], grain);

    static unsigned nested[200 * 100];
    host_set_threads(4);
    plat_parallel_for(200, 1, outer, nested);
    size_t wrong = 0;
    for (size_t i = 0; i < 200 * 100; i++) wrong += nested[i] != 1;
    CHECK_MSG(wrong == 0, "nested: %zu entries not visited exactly once", wrong);

    host_set_threads(0);
    CHECK(host_get_threads() >= 1 && plat_core_count() == host_get_threads());
    return CHECK_DONE();
}
