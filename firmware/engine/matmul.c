#include "matmul.h"

#include "isa.h"
#include "kernels_api.h"
#include "ops.h"
#include "platform.h"

/* Weights of one share that every token of the batch runs over while they sit in L2 (1 MiB per core on this
 * project's hosts; a quarter of it leaves room for the activations streaming past and the other core's lines). */
#define DEFAULT_BLOCK_BYTES (256u * 1024u)

static size_t block_bytes = DEFAULT_BLOCK_BYTES;

void llmbm_matmul_set_block_bytes(size_t bytes) { block_bytes = bytes ? bytes : DEFAULT_BLOCK_BYTES; }

/* The types llmbm_matvec runs on the kernel table (quantize x, then matvec_rows). F32 and AK42_Q8 keep the
 * engine's own loops in ops.c (whatever they are: another level of exactness with run.c may change them), so
 * llmbm_matmul reaches those through llmbm_matvec itself, a row block at a time. */
static bool on_table(llmbm_type type)
{
    if (type == LLMBM_F32 || type == LLMBM_AK42_Q8) return false;
    const llmbm_type_traits *tr = llmbm_type_traits_of(type);
    return tr && tr->is_weight;
}

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

/* Bytes between two tokens' quantized activations in the scratch: 64-byte aligned so each starts on a line. */
static size_t act_stride_bytes(const llmbm_weight *w) { return align64(llmbm_act_bytes(w->type, w->cols)); }

static bool act_is_f32(llmbm_type type) { return llmbm_type_traits_of(type)->vec_dot_type == LLMBM_F32; }

size_t llmbm_matmul_scratch_bytes(const llmbm_weight *w, size_t n_tok)
{
    if (!on_table(w->type)) return llmbm_matvec_scratch_bytes(w);
    if (!llmbm_type_traits_of(w->type) || act_is_f32(w->type)) return 64;
    return n_tok * act_stride_bytes(w) + 64;
}

/* Rows per block: about block_bytes of weights, whole row groups (16 for the interleaved layouts, else 4, the
 * row count the mat-vec kernels work in), and at least one block per core when the matrix is small. */
static size_t block_rows_for(const llmbm_weight *w, size_t row_bytes, size_t group)
{
    size_t unit = group > 1 ? group : 4;
    size_t rows = block_bytes / (row_bytes ? row_bytes : 1);
    unsigned cores = plat_core_count() ? plat_core_count() : 1;
    size_t per_core = (w->rows + cores - 1) / cores;
    if (rows > per_core) rows = per_core;
    rows = (rows + unit - 1) / unit * unit;
    return rows ? rows : unit;
}

typedef struct matmul_job {
    float *out;
    size_t out_stride;
    const llmbm_weight *w;
    const float *x;
    size_t x_stride;
    size_t n_tok;
    const llmbm_kernel_table *k;
    const uint8_t *act; /* token t's activation at act + t * act_stride */
    size_t act_stride;  /* bytes */
    void *act_buf;      /* where quantized activations go */
    llmbm_matvec_rows_fn rows;
    llmbm_matmul_rows_fn many; /* the level's multi-token kernel, or NULL */
    size_t block_rows;
} matmul_job;

static void quantize_tokens(void *ctx, size_t begin, size_t end)
{
    const matmul_job *job = ctx;
    for (size_t t = begin; t < end; t++)
        llmbm_kernels_prepare_act(job->k, job->w->type, job->x + t * job->x_stride,
                                  (uint8_t *)job->act_buf + t * job->act_stride, job->w->cols);
}

/* [begin, end) counts row blocks; each block's weights stay in cache while every token runs over them: the
 * level's matmul_rows, which reads each weight block once for several tokens, or else matvec_rows per token. */
static void blocks_kernel(void *ctx, size_t begin, size_t end)
{
    const matmul_job *job = ctx;
    for (size_t b = begin; b < end; b++) {
        size_t r0 = b * job->block_rows, r1 = r0 + job->block_rows;
        if (r1 > job->w->rows) r1 = job->w->rows;
        if (job->many) {
            job->many(job->w, job->act, job->act_stride, job->n_tok, job->out, job->out_stride, r0, r1);
            continue;
        }
        for (size_t t = 0; t < job->n_tok; t++)
            job->rows(job->w, job->act + t * job->act_stride, job->out + t * job->out_stride, r0, r1);
    }
}

/* F32 and AK42_Q8: llmbm_matvec on a view of a block of rows, every token in turn, so each (row, token) gets
 * exactly llmbm_matvec's bits while the block stays in cache. Each call splits its block over the cores. */
static int matmul_by_matvec(float *out, size_t out_stride, const llmbm_weight *w, const float *x, size_t x_stride,
                            size_t n_tok, void *scratch)
{
    size_t row_bytes = (size_t)w->cols * (w->type == LLMBM_F32 ? 4 : 1);
    size_t block = block_bytes / (row_bytes ? row_bytes : 1);
    if (block < 1) block = 1;
    /* an AK42 view starts its scales at the block's first group, which needs rows made of whole groups */
    if (w->type == LLMBM_AK42_Q8 && (w->group_size == 0 || w->cols % w->group_size)) block = w->rows;
    for (size_t r0 = 0; r0 < w->rows; r0 += block) {
        size_t n = w->rows - r0 < block ? w->rows - r0 : block;
        llmbm_weight view = *w;
        view.rows = (uint32_t)n;
        if (w->type == LLMBM_F32) {
            view.data = (const float *)w->data + r0 * w->cols;
        } else {
            view.data = (const int8_t *)w->data + r0 * w->cols;
            if (w->group_size) view.scales = w->scales + r0 * w->cols / w->group_size;
        }
        for (size_t t = 0; t < n_tok; t++)
            if (llmbm_matvec(out + t * out_stride + r0, &view, x + t * x_stride, scratch)) return -1;
    }
    return 0;
}

int llmbm_matmul(float *out, size_t out_stride, const llmbm_weight *w, const float *x, size_t x_stride, size_t n_tok,
                 void *scratch)
{
    if (n_tok == 0 || w->rows == 0) return 0;
    if (!on_table(w->type)) {
        if (w->type != LLMBM_F32 && w->type != LLMBM_AK42_Q8) return -1;
        return matmul_by_matvec(out, out_stride, w, x, x_stride, n_tok, scratch);
    }
    const llmbm_type_traits *tr = llmbm_type_traits_of(w->type);
    size_t row_bytes = llmbm_row_bytes(w->type, w->cols);
    matmul_job job = {out, out_stride, w, x, x_stride, n_tok, llmbm_isa_table(), 0, 0, scratch, 0, 0, 0};
    job.rows = llmbm_kernel_matvec_rows(job.k, w->type);
    job.many = llmbm_kernel_matmul_rows(job.k, w->type);
    if (!job.rows || !row_bytes) return -1;
    if (act_is_f32(w->type)) {
        job.act = (const uint8_t *)x;
        job.act_stride = x_stride * sizeof(float);
    } else {
        /* every token's activation quantized once, as llmbm_matvec's prepare_act does it */
        if (!llmbm_kernel_quantize_row(job.k, tr->vec_dot_type)) return -1;
        job.act = scratch;
        job.act_stride = act_stride_bytes(w);
        plat_parallel_for(n_tok, llmbm_share_grain((uint64_t)w->cols * 4), quantize_tokens, &job);
    }
    job.block_rows = block_rows_for(w, row_bytes, tr->group_rows);
    size_t n_blocks = (w->rows + job.block_rows - 1) / job.block_rows;
    plat_parallel_for(n_blocks, 1, blocks_kernel, &job);
    return 0;
}
