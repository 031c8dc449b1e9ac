/* kernels-bench: how close each mat-vec kernel comes to the memory bandwidth.
 *
 * 1. This core's read bandwidth: a streaming sum over a buffer far larger
 *    than the last-level cache, best of --reps runs.
 * 2. For every weight type and every ISA level this CPU runs: matvec_rows
 *    over a cols x rows matrix of that type filling the same buffer (so the
 *    weights stream from RAM, as in decoding), best of --reps runs, reported
 *    as GB/s of weight bytes, % of the read bandwidth (re-measured between
 *    the kernel's runs, see bench_matvec), and the ms one token of a
 *    TinyLlama-1.1B-shaped model would spend streaming its weights at that
 *    rate. A level without its own kernel for a type (it falls back to a
 *    lower level's) is listed as such, not re-measured.
 *
 * Single-threaded on purpose: the figure of merit is per core. Whole-model
 * decode of synthetic GGUF models is python -m llmbm_build.bench_decode (the
 * `decode` meson benchmark), which runs `llmbm bench` per model and takes the
 * read bandwidth from this program's first section alone (--types none).
 *
 * Usage: kernels-bench [--size-mib N] [--reps N] [--cols N] [--levels a,b]
 *                      [--types a,b] [--csv] */
#define _GNU_SOURCE
#include <immintrin.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "kernels_api.h"

#define MAX_REPS 64

struct options {
    size_t bytes;
    int reps;
    uint32_t cols;
    const char *levels; /* comma list, NULL: every supported level but scalar */
    const char *types;  /* comma list, NULL: all */
    bool csv;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool in_list(const char *list, const char *name)
{
    if (!list) return true;
    const size_t len = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        const size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0) return true;
        if (!end) break;
        p = end + 1;
    }
    return false;
}

/* ---- 1. read bandwidth --------------------------------------------------- */

/* Streaming sums at each vector width: the widest the CPU has is the
 * fairest yardstick (on this class of Xeon a 16-byte loop falls ~20 % short
 * of what 32-byte loads pull from DRAM). Four accumulators, 2 lines/step. */
static uint64_t stream_sum_sse2(const uint8_t *buf, size_t bytes)
{
    __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i + 64 <= bytes; i += 64) {
        a0 = _mm_add_epi64(a0, _mm_load_si128((const __m128i *)(buf + i)));
        a1 = _mm_add_epi64(a1, _mm_load_si128((const __m128i *)(buf + i + 16)));
        a2 = _mm_add_epi64(a2, _mm_load_si128((const __m128i *)(buf + i + 32)));
        a3 = _mm_add_epi64(a3, _mm_load_si128((const __m128i *)(buf + i + 48)));
    }
    const __m128i s = _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3));
    uint64_t out[2];
    _mm_storeu_si128((__m128i *)out, s);
    return out[0] + out[1];
}

__attribute__((target("avx2"))) static uint64_t stream_sum_avx2(const uint8_t *buf, size_t bytes)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i + 128 <= bytes; i += 128) {
        a0 = _mm256_add_epi64(a0, _mm256_load_si256((const __m256i *)(buf + i)));
        a1 = _mm256_add_epi64(a1, _mm256_load_si256((const __m256i *)(buf + i + 32)));
        a2 = _mm256_add_epi64(a2, _mm256_load_si256((const __m256i *)(buf + i + 64)));
        a3 = _mm256_add_epi64(a3, _mm256_load_si256((const __m256i *)(buf + i + 96)));
    }
    uint64_t out[4];
    _mm256_storeu_si256((__m256i *)out, _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
    return out[0] + out[1] + out[2] + out[3];
}

__attribute__((target("avx512f"))) static uint64_t stream_sum_avx512(const uint8_t *buf, size_t bytes)
{
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i + 256 <= bytes; i += 256) {
        a0 = _mm512_add_epi64(a0, _mm512_load_si512(buf + i));
        a1 = _mm512_add_epi64(a1, _mm512_load_si512(buf + i + 64));
        a2 = _mm512_add_epi64(a2, _mm512_load_si512(buf + i + 128));
        a3 = _mm512_add_epi64(a3, _mm512_load_si512(buf + i + 192));
    }
    return (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
}

typedef uint64_t stream_sum_fn(const uint8_t *, size_t);

/* Best GB/s over `reps` passes of every sum variant the CPU runs; *best_fn
 * gets the fastest variant, for the per-kernel measurements below. */
static double read_bandwidth(const uint8_t *buf, size_t bytes, int reps, const llmbm_cpu_features *cpu,
                             const char **how, stream_sum_fn **best_fn)
{
    stream_sum_fn *const sums[3] = {stream_sum_sse2, stream_sum_avx2, stream_sum_avx512};
    static const char *const names[3] = {"sse2", "avx2", "avx512"};
    const bool ok[3] = {true, llmbm_isa_level_supported(LLMBM_ISA_AVX2, cpu),
                        llmbm_isa_level_supported(LLMBM_ISA_AVX512, cpu)};
    double best = 1e30;
    volatile uint64_t sink = 0;
    for (int r = 0; r < reps; ++r)
        for (int v = 0; v < 3; ++v) {
            if (!ok[v]) continue;
            const double t0 = now_s();
            sink += sums[v](buf, bytes);
            const double t = now_s() - t0;
            if (t < best) {
                best = t;
                *how = names[v];
                *best_fn = sums[v];
            }
        }
    (void)sink;
    return (double)bytes / best * 1e-9;
}

/* ---- 2. mat-vec per type and level ---------------------------------------- */

static const llmbm_type bench_types[] = {LLMBM_Q4_0, LLMBM_Q4_0P, LLMBM_Q4_0X16, LLMBM_Q8_0, LLMBM_Q4_K, LLMBM_Q4_KX16,
                                         LLMBM_Q6_K, LLMBM_F32,   LLMBM_F32X16,  LLMBM_F16,  LLMBM_Q4_1, LLMBM_Q5_0,
                                         LLMBM_Q5_1, LLMBM_Q5_K,  LLMBM_Q3_K,    LLMBM_Q2_K, LLMBM_BF16};

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random weights with sane floats: scales and float weights get a fixed
 * exponent, so no NaN, inf or subnormal (which could cost microcode assists
 * and distort the timing) appears. */
static void fill_weights(uint8_t *buf, size_t bytes, llmbm_type t, uint32_t cols)
{
    if (llmbm_layout_base(t) != t) { /* rows of the base type, converted as the model loader does */
        fill_weights(buf, bytes, llmbm_layout_base(t), cols);
        const size_t group = llmbm_type_traits_of(t)->group_rows;
        void *scratch = malloc(llmbm_relayout_scratch_bytes(t, cols));
        if (scratch) llmbm_relayout(buf, bytes / llmbm_row_bytes(t, cols) / group * group, cols, t, scratch);
        free(scratch);
        return;
    }
    for (size_t i = 0; i + 8 <= bytes; i += 8) {
        const uint64_t v = rng();
        memcpy(buf + i, &v, 8);
    }
    if (t == LLMBM_F32) {
        for (size_t i = 0; i + 4 <= bytes; i += 4) {
            uint32_t u;
            memcpy(&u, buf + i, 4);
            u = (u & 0x807fffffu) | 0x3f000000u;
            memcpy(buf + i, &u, 4);
        }
        return;
    }
    if (t == LLMBM_F16 || t == LLMBM_BF16) {
        const uint16_t keep = t == LLMBM_F16 ? 0x83ff : 0x807f, exp = t == LLMBM_F16 ? 0x3800 : 0x3f00;
        for (size_t i = 0; i + 2 <= bytes; i += 2) {
            uint16_t u;
            memcpy(&u, buf + i, 2);
            u = (uint16_t)((u & keep) | exp);
            memcpy(buf + i, &u, 2);
        }
        return;
    }
    int off[2], nf;
    switch (t) {
        case LLMBM_Q4_1:
        case LLMBM_Q5_1:
        case LLMBM_Q4_K:
        case LLMBM_Q5_K:
            off[0] = 0;
            off[1] = 2;
            nf = 2;
            break;
        case LLMBM_Q2_K:
            off[0] = 80;
            off[1] = 82;
            nf = 2;
            break;
        case LLMBM_Q3_K:
            off[0] = 108;
            nf = 1;
            break;
        case LLMBM_Q6_K:
            off[0] = 208;
            nf = 1;
            break;
        default:
            off[0] = 0;
            nf = 1;
            break;
    }
    const size_t bb = llmbm_type_traits_of(t)->block_bytes;
    for (size_t b = 0; b + bb <= bytes; b += bb)
        for (int f = 0; f < nf; ++f) {
            const uint16_t h = (uint16_t)(0x2000 | (rng() & 0x83ff)); /* |s| in [2^-7, 2^-6) */
            memcpy(buf + b + (size_t)off[f], &h, 2);
        }
}

/* Parameters whose weights one TinyLlama-1.1B token streams: 22 layers of
 * q, o (2048^2), k, v (256 x 2048), gate, up, down (5632 x 2048), plus the
 * 32000 x 2048 classifier. */
static double tinyllama_params(void)
{
    const double layer = 2.0 * 2048 * 2048 + 2.0 * 256 * 2048 + 3.0 * 5632 * 2048;
    return 22 * layer + 32000.0 * 2048;
}

struct result {
    double gbps;
    double bw;  /* read bandwidth measured between this kernel's runs */
    double pct; /* median of kernel / read bandwidth over the run pairs */
    bool fallback;
    const char *from; /* the level whose kernel runs, when fallback */
};

/* Kernel runs alternate with streaming-sum runs over the same bytes: on a
 * shared machine the load drifts, and the ratio of two figures taken side by
 * side drifts much less than either. Reported: the best kernel GB/s, the
 * best sum GB/s, and the median of the per-pair ratios as "% bw". */
static struct result bench_matvec(const llmbm_kernel_table *k, llmbm_type t, uint8_t *buf, size_t bytes, uint32_t cols,
                                  int reps, stream_sum_fn *sum)
{
    struct result res = {0, 0, 0, false, NULL};
    const llmbm_matvec_rows_fn fn = llmbm_kernel_matvec_rows(k, t);
    /* the lowest level with the same function is where the kernel lives */
    for (int l = 0; l < (int)k->level && !res.fallback; ++l) {
        const llmbm_kernel_table *below = llmbm_kernels_select((llmbm_isa_level)l);
        if (llmbm_kernel_matvec_rows(below, t) == fn) {
            res.fallback = true;
            res.from = below->name;
        }
    }
    if (res.fallback) return res;

    const size_t rb = llmbm_row_bytes(t, cols), group = llmbm_type_traits_of(t)->group_rows;
    const size_t rows = bytes / rb / group * group;
    float *x = malloc(cols * sizeof *x), *out = malloc(rows * sizeof *out);
    void *act = aligned_alloc(64, (llmbm_act_bytes(t, cols) + 63) / 64 * 64 + 64);
    if (!x || !out || !act) {
        fprintf(stderr, "kernels-bench: out of memory\n");
        exit(1);
    }
    for (uint32_t i = 0; i < cols; ++i) x[i] = (float)((double)(rng() >> 11) * 0x1p-52 - 1.0);
    const void *xa = llmbm_kernels_prepare_act(k, t, x, act, cols);
    const llmbm_weight w = {.type = t, .rows = (uint32_t)rows, .cols = cols, .data = buf};
    double best = 1e30, best_sum = 1e30, ratio[MAX_REPS];
    volatile uint64_t sink = 0;
    for (int r = 0; r < reps; ++r) {
        double t0 = now_s();
        sink += sum(buf, rows * rb);
        const double t_sum = now_s() - t0;
        t0 = now_s();
        fn(&w, xa, out, 0, rows);
        const double t = now_s() - t0;
        best_sum = fmin(best_sum, t_sum);
        best = fmin(best, t);
        ratio[r] = t_sum / t;
    }
    (void)sink;
    for (int i = 1; i < reps; ++i) /* insertion sort for the median */
        for (int j = i; j > 0 && ratio[j - 1] > ratio[j]; --j) {
            const double tmp = ratio[j];
            ratio[j] = ratio[j - 1];
            ratio[j - 1] = tmp;
        }
    res.pct = 100.0 * (reps % 2 ? ratio[reps / 2] : 0.5 * (ratio[reps / 2 - 1] + ratio[reps / 2]));
    res.gbps = (double)(rows * rb) / best * 1e-9;
    res.bw = (double)(rows * rb) / best_sum * 1e-9;
    free(x);
    free(out);
    free(act);
    return res;
}

static void run_kernels(const struct options *o, uint8_t *buf, stream_sum_fn *sum, const llmbm_cpu_features *cpu)
{
    const llmbm_kernel_table *levels[LLMBM_ISA_COUNT];
    int nlevels = 0;
    for (int l = 0; l < LLMBM_ISA_COUNT; ++l) {
        const llmbm_kernel_table *k = llmbm_kernels_select((llmbm_isa_level)l);
        const bool wanted = o->levels ? in_list(o->levels, k->name) : l != LLMBM_ISA_SCALAR;
        if (!wanted) continue;
        if (!llmbm_isa_level_supported((llmbm_isa_level)l, cpu)) {
            if (!o->csv) printf("level %s: skipped, this CPU lacks its features\n", k->name);
            continue;
        }
        levels[nlevels++] = k;
    }
    if (o->csv)
        printf("type,level,gbps,pct_bw,ms_per_token_1b,falls_back_to,read_gbps\n");
    else
        printf("\n%-6s %-11s %8s %7s %12s %9s\n", "type", "level", "GB/s", "% bw", "ms/tok(1B)", "bw GB/s");
    for (size_t ti = 0; ti < sizeof bench_types / sizeof bench_types[0]; ++ti) {
        const llmbm_type t = bench_types[ti];
        const llmbm_type_traits *tr = llmbm_type_traits_of(t);
        if (!in_list(o->types, tr->name)) continue;
        if (o->cols % tr->block_size) { /* e.g. --cols 896 (Qwen2.5-0.5B): no K-quant rows */
            printf("%-6s (skipped: %u columns are not whole %u-element blocks)\n", tr->name, o->cols, tr->block_size);
            continue;
        }
        fill_weights(buf, o->bytes, t, o->cols);
        const double token_bytes = tinyllama_params() * tr->block_bytes / tr->block_size;
        for (int l = 0; l < nlevels; ++l) {
            const struct result r = bench_matvec(levels[l], t, buf, o->bytes, o->cols, o->reps, sum);
            if (o->csv) {
                if (r.fallback)
                    printf("%s,%s,,,,%s,\n", tr->name, levels[l]->name, r.from);
                else
                    printf("%s,%s,%.3f,%.1f,%.1f,,%.3f\n", tr->name, levels[l]->name, r.gbps, r.pct,
                           token_bytes / (r.gbps * 1e9) * 1e3, r.bw);
            } else if (r.fallback) {
                printf("%-6s %-11s %8s %7s %12s  (uses %s)\n", tr->name, levels[l]->name, "-", "-", "-", r.from);
            } else {
                printf("%-6s %-11s %8.2f %6.1f%% %12.1f %9.2f\n", tr->name, levels[l]->name, r.gbps, r.pct,
                       token_bytes / (r.gbps * 1e9) * 1e3, r.bw);
            }
            fflush(stdout);
        }
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: kernels-bench [--size-mib N] [--reps N] [--cols N] [--levels a,b] [--types a,b] [--csv]\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct options o = {.bytes = (size_t)1024 << 20, .reps = 5, .cols = 2048};
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--csv") == 0) {
            o.csv = true;
            continue;
        }
        if (!v) return usage();
        ++i;
        if (strcmp(a, "--size-mib") == 0)
            o.bytes = (size_t)strtoul(v, NULL, 10) << 20;
        else if (strcmp(a, "--reps") == 0)
            o.reps = atoi(v);
        else if (strcmp(a, "--cols") == 0)
            o.cols = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--levels") == 0)
            o.levels = v;
        else if (strcmp(a, "--types") == 0)
            o.types = v;
        else
            return usage();
    }
    if (o.bytes < ((size_t)1 << 20) || o.reps < 1 || o.reps > MAX_REPS || o.cols == 0 || o.cols % 32) return usage();

    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    uint8_t *buf = aligned_alloc(4096, o.bytes);
    if (!buf) {
        fprintf(stderr, "kernels-bench: cannot allocate %zu MiB\n", o.bytes >> 20);
        return 1;
    }
    madvise(buf, o.bytes, MADV_HUGEPAGE);
    fill_weights(buf, o.bytes, LLMBM_Q8_0, o.cols); /* touch every page before timing */
    const char *how = "sse2";
    stream_sum_fn *sum = stream_sum_sse2;
    const double bw = read_bandwidth(buf, o.bytes, o.reps + 2, &cpu, &how, &sum);
    if (o.csv)
        printf("# read_bandwidth_gbps,%.3f\n# best_level,%s\n# buffer_mib,%zu\n", bw,
               llmbm_isa_level_name(llmbm_kernels_best_level(&cpu)), o.bytes >> 20);
    else
        printf("single-core read bandwidth: %.2f GB/s (%s streaming sum over %zu MiB, best of %d)\n"
               "best ISA level: %s; matrices: %u columns, %zu MiB of weights, best of %d runs, %% bw = median of "
               "kernel/sum run pairs\n",
               bw, how, o.bytes >> 20, o.reps + 2, llmbm_isa_level_name(llmbm_kernels_best_level(&cpu)), o.cols,
               o.bytes >> 20, o.reps);

    /* --types none stops here: llmbm_build.bench_decode wants the bandwidth only */
    run_kernels(&o, buf, sum, &cpu);
    free(buf);
    return 0;
}
