/* matmul-bench: what batching buys prompt processing, per weight type, ISA level and thread count.
 *
 * One TinyLlama-1.1B-shaped layer (dim 2048, hidden 5632, 4 of 32 heads' worth of K/V rows: wq, wk, wv, wo,
 * w1, w3, w2 = 44 M weights; --shape smollm2: SmolLM2-135M's, dim 576, hidden 1536, 3 of 9 heads, 30 layers) in each type, laid out as the loader would at that level (llmbm_kernels_matrix_layout),
 * random weights. For each batch size n it times the seven products for n tokens (each the best of --reps):
 *   n = 1 row "matvec": llmbm_matvec once per token, the one-token path prompts take today;
 *   other rows: llmbm_matmul over the n tokens.
 * It prints tokens/s through the layer, GFLOP/s (2 x weights x tokens / s), and "pp est": tokens/s of all the
 * model's layers (22 for TinyLlama), the weight products of a TinyLlama prompt alone (attention, norms and the last token's classifier
 * are left out, so the real pp is somewhat lower). Noisy on a shared machine: compare rows of one run.
 *
 * Usage: matmul-bench [--shape tinyllama|smollm2] [--types q4_0,...] [--levels avx2,...] [--threads 1,2] [--batches 1,32,128] [--reps N]
 *                     [--block-kib N (llmbm_matmul_set_block_bytes)] */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_platform.h"
#include "isa.h"
#include "kernels_api.h"
#include "matmul.h"
#include "model_layout.h"
#include "ops.h"

enum { N_MATS = 7, MAX_LIST = 16, MAX_DIM = 5632 };

/* A layer's wq, wk, wv, wo, w1, w3, w2 as {rows, cols}, and the model's layer count. */
typedef struct layer_shape {
    const char *name;
    uint32_t mats[N_MATS][2];
    int layers;
} layer_shape;

static const layer_shape shapes[] = {
    {"tinyllama", {{2048, 2048}, {256, 2048}, {256, 2048}, {2048, 2048}, {5632, 2048}, {5632, 2048}, {2048, 5632}}, 22},
    {"smollm2", {{576, 576}, {192, 576}, {192, 576}, {576, 576}, {1536, 576}, {1536, 576}, {576, 1536}}, 30},
};
static const layer_shape *shape_in_use = &shapes[0];

/* One thread: its CPU time, so the slices other processes take on a shared machine do not count (they hit
 * long runs, i.e. big batches, far more often than short ones, and best-of-N does not remove that). Several
 * threads: wall time, noisier. */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int split(char *list, char **out)
{
    int n = 0;
    for (char *tok = strtok(list, ","); tok && n < MAX_LIST; tok = strtok(NULL, ",")) out[n++] = tok;
    return n;
}

static int type_from_name(const char *name)
{
    static const llmbm_type all[] = {LLMBM_F32,  LLMBM_F16,  LLMBM_BF16, LLMBM_Q4_0, LLMBM_Q4_1, LLMBM_Q5_0, LLMBM_Q5_1,
                                     LLMBM_Q8_0, LLMBM_Q2_K, LLMBM_Q3_K, LLMBM_Q4_K, LLMBM_Q5_K, LLMBM_Q6_K};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(llmbm_type_name(all[i]), name) == 0) return (int)all[i];
    return -1;
}

/* Random rows in the file type, then the level's layout (odd bytes' bit 6 cleared: finite fp16/bf16/f32). */
static void make_weight(llmbm_weight *w, llmbm_type type, uint32_t rows, uint32_t cols)
{
    size_t bytes = llmbm_row_bytes(type, cols) * rows;
    uint8_t *data = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    for (size_t i = 0; i < bytes; i++) data[i] = (uint8_t)(rand() & (i & 1 ? 0xBF : 0xFF));
    llmbm_type layout = llmbm_kernels_matrix_layout(llmbm_isa_table(), type, rows);
    if (layout != type) {
        void *scratch = malloc(llmbm_relayout_scratch_bytes(layout, cols));
        llmbm_relayout(data, rows, cols, layout, scratch);
        free(scratch);
    }
    *w = (llmbm_weight){.type = layout, .rows = rows, .cols = cols, .data = data};
}

static void product(const llmbm_weight *w, size_t n, bool matvec, const float *x, float *out, void *scratch);

/* Seconds for the layer's seven products over n tokens (matvec: one llmbm_matvec per token), each product the
 * best of reps. */
static double layer_seconds(const llmbm_weight *w, size_t n, bool matvec, const float *x, float *out, void *scratch,
                            int reps)
{
    double total = 0;
    for (int m = 0; m < N_MATS; m++) {
        double best = 1e30;
        for (int r = 0; r < reps; r++) {
            double t0 = now_s();
            product(&w[m], n, matvec, x, out, scratch);
            double s = now_s() - t0;
            if (s < best) best = s;
        }
        total += best;
    }
    return total;
}

static void product(const llmbm_weight *w, size_t n, bool matvec, const float *x, float *out, void *scratch)
{
    if (matvec) {
        for (size_t t = 0; t < n; t++) llmbm_matvec(out + t * w->rows, w, x + t * w->cols, scratch);
    } else if (llmbm_matmul(out, w->rows, w, x, w->cols, n, scratch)) {
        fprintf(stderr, "matmul-bench: llmbm_matmul failed for %s\n", llmbm_type_name(w->type));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    char types_s[256] = "q4_0,q8_0,q4_K,q6_K,q4_1,f16", levels_s[256] = "", threads_s[256] = "1,2",
         batches_s[256] = "1,32,128";
    int reps = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        char *dst = !strcmp(argv[i], "--types")     ? types_s
                    : !strcmp(argv[i], "--levels")  ? levels_s
                    : !strcmp(argv[i], "--threads") ? threads_s
                    : !strcmp(argv[i], "--batches") ? batches_s
                                                    : NULL;
        if (dst)
            snprintf(dst, 256, "%s", argv[i + 1]);
        else if (!strcmp(argv[i], "--reps"))
            reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--shape")) {
            shape_in_use = NULL;
            for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
                if (!strcmp(argv[i + 1], shapes[k].name)) shape_in_use = &shapes[k];
            if (!shape_in_use) {
                fprintf(stderr, "matmul-bench: unknown shape %s (tinyllama, smollm2)\n", argv[i + 1]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--block-kib"))
            llmbm_matmul_set_block_bytes((size_t)atoi(argv[i + 1]) * 1024);
        else {
            fprintf(stderr, "matmul-bench: unknown option %s (see the comment at the top of matmul_bench.c)\n",
                    argv[i]);
            return 2;
        }
    }
    if (!levels_s[0]) snprintf(levels_s, sizeof levels_s, "%s", llmbm_isa_name()); /* the best this CPU runs */
    char *types[MAX_LIST], *levels[MAX_LIST], *threads[MAX_LIST], *batches[MAX_LIST];
    int nt = split(types_s, types), nl = split(levels_s, levels), nth = split(threads_s, threads),
        nb = split(batches_s, batches);
    size_t max_n = 1;
    for (int b = 0; b < nb; b++)
        if ((size_t)atoi(batches[b]) > max_n) max_n = (size_t)atoi(batches[b]);
    float *x = malloc(max_n * MAX_DIM * sizeof(float)), *out = malloc(max_n * MAX_DIM * sizeof(float));
    for (size_t i = 0; i < max_n * MAX_DIM; i++) x[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
    double weights = 0;
    for (int m = 0; m < N_MATS; m++) weights += (double)shape_in_use->mats[m][0] * shape_in_use->mats[m][1];
    printf("%-6s %-10s %-8s %3s %6s %9s %8s %8s\n", "type", "level", "layout", "thr", "batch", "tok/s", "GFLOP/s",
           "pp est");
    for (int l = 0; l < nl; l++) {
        llmbm_err err;
        if (llmbm_isa_set(levels[l], &err)) {
            printf("%s: not on this CPU\n", levels[l]);
            continue;
        }
        for (int ti = 0; ti < nt; ti++) {
            int type = type_from_name(types[ti]);
            if (type < 0) {
                fprintf(stderr, "matmul-bench: unknown type %s\n", types[ti]);
                return 2;
            }
            llmbm_weight w[N_MATS];
            size_t scratch_bytes = 0;
            for (int m = 0; m < N_MATS; m++) {
                make_weight(&w[m], (llmbm_type)type, shape_in_use->mats[m][0], shape_in_use->mats[m][1]);
                size_t s = llmbm_matmul_scratch_bytes(&w[m], max_n);
                if (s > scratch_bytes) scratch_bytes = s;
            }
            void *scratch = aligned_alloc(64, (scratch_bytes + 63) & ~(size_t)63);
            for (int th = 0; th < nth; th++) {
                host_set_threads((unsigned)atoi(threads[th]));
                clock_id = atoi(threads[th]) == 1 ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC;
                for (int b = 0; b < nb; b++) {
                    size_t n = (size_t)atoi(batches[b]);
                    bool matvec = n == 1;
                    double best = layer_seconds(w, n, matvec, x, out, scratch, reps);
                    printf("%-6s %-10s %-8s %3s %6zu%s %9.1f %8.1f %8.1f\n", types[ti], levels[l],
                           llmbm_type_name(w[4].type), threads[th], n, matvec ? "mv" : "  ", n / best,
                           2.0 * weights * n / best * 1e-9, n / best / shape_in_use->layers);
                    fflush(stdout);
                }
            }
            for (int m = 0; m < N_MATS; m++) free((void *)w[m].data);
            free(scratch);
        }
    }
    free(x), free(out);
    return 0;
}
