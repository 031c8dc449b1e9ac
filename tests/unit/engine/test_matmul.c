/* llmbm_matmul against llmbm_matvec, token by token, bit for bit: for every weight type the engine runs (file
 * types and the in-memory layouts the loader makes), at every ISA level this CPU has, for odd batch sizes,
 * matrices whose rows end in a partial row group and a partial block, strided activations and outputs. That
 * equality is what makes a batched prompt feed give the same logits as feeding its tokens one at a time. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "isa.h"
#include "kernel_dispatch.h"
#include "kernels_api.h"
#include "matmul.h"
#include "ops.h"
#include "platform.h"

enum { COLS = 512, X_PAD = 5, OUT_PAD = 3, AK42_GROUP = 32 };

/* Rows of the float types may have any length: 219 = 3 * 64 + 16 + 11 reaches every step of their kernels
 * (AVX-512: 64, 16 elements, a masked tail; AVX2: 32, 8, a scalar tail). */
enum { ODD_COLS = 219 };

/* Rows past 8192 elements: kernels that keep per-block activation sums on the stack cover only that many. */
enum { LONG_COLS = 8256 };

static const llmbm_type types[] = {
    LLMBM_F32,  LLMBM_F16,  LLMBM_BF16, LLMBM_Q4_0, LLMBM_Q4_0P,   LLMBM_Q4_0X16, LLMBM_Q4_1, LLMBM_Q5_0,    LLMBM_Q5_1,
    LLMBM_Q8_0, LLMBM_Q2_K, LLMBM_Q3_K, LLMBM_Q4_K, LLMBM_Q4_KX16, LLMBM_Q5_K,    LLMBM_Q6_K, LLMBM_AK42_Q8,
};
static const size_t batches[] = {1, 3, 7, 17, 33};

static float frand(void) { return (float)rand() / (float)RAND_MAX * 2.0f - 1.0f; }

/* Random rows of `type` as the loader holds them: the file type's bytes, then its in-memory layout. Every fp16,
 * bf16 and f32 field of these blocks starts at an even offset, so clearing bit 6 of each odd byte keeps their
 * exponents below the top (finite scales, no NaN to hide a difference) while quants stay random. */
static llmbm_weight make_weight(llmbm_type type, uint32_t rows, uint32_t cols)
{
    llmbm_weight w = {.type = type, .rows = rows, .cols = cols};
    if (type == LLMBM_AK42_Q8) {
        int8_t *q = malloc((size_t)rows * cols);
        float *s = malloc((size_t)rows * cols / AK42_GROUP * sizeof(float));
        for (size_t i = 0; i < (size_t)rows * cols; i++) q[i] = (int8_t)(rand() % 255 - 127);
        for (size_t i = 0; i < (size_t)rows * cols / AK42_GROUP; i++) s[i] = frand() / 127.0f;
        w.data = q, w.scales = s, w.group_size = AK42_GROUP;
        return w;
    }
    llmbm_type base = llmbm_layout_base(type);
    size_t bytes = llmbm_row_bytes(base, cols) * rows;
    uint8_t *data = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (type == LLMBM_F32) {
        for (size_t i = 0; i < bytes / 4; i++) ((float *)data)[i] = frand();
    } else {
        for (size_t i = 0; i < bytes; i++) data[i] = (uint8_t)(rand() & (i & 1 ? 0xBF : 0xFF));
    }
    if (type != base) {
        void *scratch = malloc(llmbm_relayout_scratch_bytes(type, cols));
        llmbm_relayout(data, rows, cols, type, scratch);
        free(scratch);
    }
    w.data = data;
    return w;
}

static void free_weight(llmbm_weight *w)
{
    free((void *)w->data);
    free((void *)w->scales);
}

/* One (type, level, batch) case; returns whether every (row, token) matched. */
static bool check_batch(const llmbm_weight *w, const char *level, size_t n_tok, const float *x)
{
    size_t x_stride = w->cols + X_PAD, out_stride = w->rows + OUT_PAD;
    float *out = malloc(n_tok * out_stride * sizeof(float));
    float *ref = malloc(w->rows * sizeof(float));
    memset(out, 0xA5, n_tok * out_stride * sizeof(float)); /* the padding must keep these bytes */
    void *scratch = aligned_alloc(64, (llmbm_matmul_scratch_bytes(w, n_tok) + 63) & ~(size_t)63);
    void *mv_scratch = aligned_alloc(64, (llmbm_matvec_scratch_bytes(w) + 63) & ~(size_t)63);
    bool ok = true;
    int rc = llmbm_matmul(out, out_stride, w, x, x_stride, n_tok, scratch);
    CHECK_MSG(rc == 0, "%s %s: llmbm_matmul returned %d", level, llmbm_type_name(w->type), rc);
    ok = rc == 0;
    for (size_t t = 0; ok && t < n_tok; t++) {
        CHECK(llmbm_matvec(ref, w, x + t * x_stride, mv_scratch) == 0);
        for (uint32_t r = 0; r < w->rows; r++) {
            if (memcmp(&out[t * out_stride + r], &ref[r], sizeof(float)) == 0) continue;
            CHECK_MSG(0, "%s %s cols %u batch %zu: token %zu row %u: matmul %.9g, matvec %.9g", level,
                      llmbm_type_name(w->type), w->cols, n_tok, t, r, out[t * out_stride + r], ref[r]);
            ok = false;
            break;
        }
        uint32_t pad;
        memset(&pad, 0xA5, sizeof pad);
        for (size_t p = w->rows; ok && p < out_stride; p++)
            if (memcmp(&out[t * out_stride + p], &pad, sizeof pad)) {
                CHECK_MSG(0, "%s %s: token %zu: wrote past its rows", level, llmbm_type_name(w->type), t);
                ok = false;
            }
    }
    free(out), free(ref), free(scratch), free(mv_scratch);
    return ok;
}

int main(void)
{
    const char *levels[LLMBM_ISA_COUNT]; /* every level of the manifest */
    for (int l = 0; l < LLMBM_ISA_COUNT; l++) levels[l] = llmbm_isa_level_name((llmbm_isa_level)l);
    srand(13);
    size_t max_tok = batches[sizeof batches / sizeof batches[0] - 1];
    float *x = malloc(max_tok * (LONG_COLS + X_PAD) * sizeof(float));
    for (size_t i = 0; i < max_tok * (LONG_COLS + X_PAD); i++) x[i] = frand();
    int levels_run = 0;
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        llmbm_err err;
        if (llmbm_isa_set(levels[l], &err)) {
            fprintf(stderr, "%s: not on this CPU, not tested\n", levels[l]);
            continue;
        }
        levels_run++;
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            /* interleaved layouts hold whole 16-row groups; the others end in a partial 4-row group */
            uint32_t rows = llmbm_type_traits_of(types[i]) && llmbm_type_traits_of(types[i])->group_rows > 1 ? 80 : 83;
            CHECK_MSG(llmbm_type_supported(types[i]), "%s: %s unsupported", levels[l], llmbm_type_name(types[i]));
            bool any_length = types[i] == LLMBM_F32 || types[i] == LLMBM_F16 || types[i] == LLMBM_BF16;
            for (int odd = 0; odd <= (int)any_length; odd++) {
                llmbm_weight w = make_weight(types[i], rows, odd ? ODD_COLS : COLS);
                /* 4 KiB blocks: many blocks per matrix, the last one partial */
                llmbm_matmul_set_block_bytes(4096);
                for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++)
                    if (!check_batch(&w, levels[l], batches[b], x)) break;
                llmbm_matmul_set_block_bytes(0); /* the default: one block per core here */
                check_batch(&w, levels[l], 7, x);
                free_weight(&w);
            }
            if (types[i] == LLMBM_Q4_0X16 || types[i] == LLMBM_Q8_0) {
                llmbm_weight w = make_weight(types[i], 32, LONG_COLS);
                check_batch(&w, levels[l], 5, x);
                free_weight(&w);
            }
        }
    }
    CHECK(levels_run >= 2); /* scalar and sse2 run on every x86-64 */
    fprintf(stderr, "%d levels x %zu types checked\n", levels_run, sizeof types / sizeof types[0]);
    free(x);
    return CHECK_DONE();
}
