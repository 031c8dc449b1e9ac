/* The `cores` setting and /selftest: proof that plat_parallel_for uses every
 * core and that the result does not depend on how many.
 *
 * /selftest runs a float mat-vec of a few MB twice, on one core and on all
 * cores in use, and compares the outputs bit for bit. Each range call also
 * counts its rows (an atomic add, so a row handled twice cannot hide behind a
 * lost update) and records the id of the core it ran on, which tells how
 * many distinct cores really worked. The fastest pass of each run is
 * printed. For a speed-up under QEMU TCG compare the all-core time across
 * boots with different -smp: within one boot the idle APs spin, and each
 * spinning vCPU is a host thread that slows the one-core run down. */
#include "selftest.h"

#include "platform.h"
#include "text.h"

static unsigned apply(repl_state *st, bool say)
{
    if (!st->sys->use_cores) return plat_core_count();
    uint64_t want = 0;
    const char *text = cfg_get(&st->cfg, CFG_CORES);
    if (!txt_parse_u64(text, &want) || want > 4096) want = 0;
    unsigned all = st->sys->use_cores(0);
    unsigned used = st->sys->use_cores((unsigned)want);
    if (want && say) txt_printf("cores: %u of %u in use (cores=%u)\n", used, all, (unsigned)want);
    return used;
}

unsigned cores_apply(repl_state *st) { return apply(st, true); }

/* A fuzz build shrinks the mat-vec (run_fuzz.py): under coverage
 * instrumentation the full size is most of a REPL input's time. */
#ifndef SELFTEST_SIDE
#define SELFTEST_SIDE 1024
#endif
enum { ROWS = SELFTEST_SIDE, COLS = SELFTEST_SIDE, PASSES = 8, MAX_IDS = 64 };

typedef struct selftest_job {
    const float *w, *x;
    float *out;
    uint32_t *visits;
    uint32_t *core; /* per row: the id of the core that computed it */
    unsigned (*core_id)(void);
} selftest_job;

static void rows_fn(void *ctx, size_t begin, size_t end)
{
    const selftest_job *j = ctx;
    unsigned id = j->core_id ? j->core_id() : 0;
    for (size_t r = begin; r < end; r++) {
        const float *row = j->w + r * COLS;
        float acc = 0.0f;
        for (size_t c = 0; c < COLS; c++) acc += row[c] * j->x[c];
        j->out[r] = acc;
        __atomic_fetch_add(&j->visits[r], 1, __ATOMIC_RELAXED);
        j->core[r] = id;
    }
}

/* xorshift32 values in [-1, 1): deterministic, and varied enough that a
 * wrong row or a changed summation order changes the bits. */
static float next_value(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return (float)(*s >> 8) / 8388608.0f - 1.0f;
}

/* Runs the mat-vec PASSES times; returns the fastest pass in microseconds
 * (the least disturbed by whatever else the host of a VM is doing). */
static uint64_t run(selftest_job *j)
{
    for (size_t r = 0; r < ROWS; r++) j->visits[r] = 0;
    uint64_t best = ~0ull;
    for (int p = 0; p < PASSES; p++) {
        uint64_t t0 = plat_now_us();
        plat_parallel_for(ROWS, 1, rows_fn, j);
        uint64_t t = plat_now_us() - t0;
        best = t < best ? t : best;
    }
    return best;
}

static unsigned distinct_cores(const uint32_t *core)
{
    uint32_t ids[MAX_IDS];
    unsigned count = 0;
    for (size_t r = 0; r < ROWS; r++) {
        unsigned k = 0;
        while (k < count && ids[k] != core[r]) k++;
        if (k == count && count < MAX_IDS) ids[count++] = core[r];
    }
    return count;
}

void cmd_selftest(repl_state *st, char *args)
{
    (void)args;
    size_t floats = (size_t)ROWS * COLS + COLS + 2 * ROWS;
    float *w = plat_alloc(floats * sizeof(float));
    uint32_t *counts = plat_alloc(2 * ROWS * sizeof(uint32_t));
    if (!w || !counts) {
        plat_free(w);
        plat_free(counts);
        txt_printf("selftest: out of memory\n");
        return;
    }
    uint32_t seed = 0x9e3779b9u;
    for (size_t i = 0; i < (size_t)ROWS * COLS + COLS; i++) w[i] = next_value(&seed);
    float *single = w + (size_t)ROWS * COLS + COLS, *multi = single + ROWS;
    selftest_job j = {w, w + (size_t)ROWS * COLS, single, counts, counts + ROWS, st->sys->core_id};

    unsigned used = plat_core_count();
    if (st->sys->use_cores) st->sys->use_cores(1);
    /* A first, untimed pass: page faults on fresh memory and, under QEMU
     * TCG, code translation would otherwise be charged to one side. */
    run(&j);
    uint64_t us_single = run(&j);
    apply(st, false);
    j.out = multi;
    uint64_t us_multi = run(&j);

    bool ok = true;
    size_t bad_visits = 0;
    for (size_t r = 0; r < ROWS; r++) bad_visits += j.visits[r] != PASSES;
    if (bad_visits) {
        txt_printf("selftest: %zu rows not computed exactly once per pass\n", bad_visits);
        ok = false;
    }
    if (rt_memcmp(single, multi, ROWS * sizeof(float)) != 0) {
        txt_printf("selftest: results differ between 1 and %u cores\n", used);
        ok = false;
    }
    unsigned distinct = distinct_cores(j.core);
    if (distinct != used) {
        txt_printf("selftest: %u cores in use but rows were computed on %u\n", used, distinct);
        ok = false;
    }
    uint64_t x100 = us_single * 100 / (us_multi ? us_multi : 1);
    txt_printf("selftest: mat-vec %ux%u, best of %u: %llu us on 1 core, %llu us on %u (speed-up %llu.%u%u)\n", ROWS,
               COLS, PASSES, (unsigned long long)us_single, (unsigned long long)us_multi, used,
               (unsigned long long)(x100 / 100), (unsigned)(x100 / 10 % 10), (unsigned)(x100 % 10));
    /* Boots with different -smp compare this: same bits on any machine shape. */
    uint32_t hash = 2166136261u;
    const unsigned char *bytes = (const unsigned char *)multi;
    for (size_t i = 0; i < ROWS * sizeof(float); i++) hash = (hash ^ bytes[i]) * 16777619u;
    txt_printf("selftest: checksum %x\n", hash);
    if (ok)
        txt_printf("selftest: parallel_for OK (%u %s used)\n", distinct, distinct == 1 ? "core" : "cores");
    else
        txt_printf("selftest: parallel_for FAILED\n");
    plat_free(w);
    plat_free(counts);
}
