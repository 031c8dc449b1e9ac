#include "ops.h"

#include "eng_math.h"
#include "isa.h"
#include "kernels_api.h"
#include "platform.h"

/* Every GGUF type, F32 included, runs on the selected kernel table (F32 at
 * every level in run.c's float order: kernels/x86_64/matvec_f32_*.c); only
 * llama2.c's AK42_Q8 keeps the loop below, runq.c's. */
static bool uses_table(llmbm_type type)
{
    if (type == LLMBM_AK42_Q8) return false;
    const llmbm_type_traits *tr = llmbm_type_traits_of(type);
    return tr && tr->is_weight;
}

int llmbm_type_supported(llmbm_type type)
{
    if (type == LLMBM_AK42_Q8) return 1;
    if (!uses_table(type)) return 0;
    const llmbm_kernel_table *k = llmbm_isa_table();
    const llmbm_type_traits *tr = llmbm_type_traits_of(type);
    /* interleaved row groups only ever meet a mat-vec (never the embedding) */
    bool rows_alone = tr->group_rows > 1 || llmbm_kernel_dequantize_row(k, type);
    return llmbm_kernel_matvec_rows(k, type) && rows_alone &&
           (tr->vec_dot_type == LLMBM_F32 || llmbm_kernel_quantize_row(k, tr->vec_dot_type));
}

const char *llmbm_type_name(llmbm_type type)
{
    if (type == LLMBM_AK42_Q8) return "ak42_q8";
    const llmbm_type_traits *tr = llmbm_type_traits_of(type);
    return tr ? tr->name : "unknown";
}

/* ---- matrix-vector products -------------------------------------------- */

/* The activation quantized like runq.c: int8 groups with scale max|x|/127. */
typedef struct q8_act {
    float *scales;
    int8_t *values;
} q8_act;

static q8_act q8_act_layout(void *scratch, uint32_t cols, uint32_t group_size)
{
    q8_act a;
    a.scales = scratch;
    a.values = (int8_t *)(a.scales + cols / group_size);
    return a;
}

size_t llmbm_matvec_scratch_bytes(const llmbm_weight *w)
{
    if (w->type == LLMBM_AK42_Q8 && w->group_size > 0)
        return (size_t)w->cols / w->group_size * sizeof(float) + w->cols + 64;
    if (uses_table(w->type)) return llmbm_act_bytes(w->type, w->cols) + 64;
    return 64;
}

static void quantize_q8_act(q8_act *a, const float *x, uint32_t n, uint32_t gs)
{
    for (uint32_t g = 0; g < n / gs; g++) {
        float wmax = 0.0f;
        for (uint32_t i = 0; i < gs; i++) {
            float v = eng_fabsf(x[g * gs + i]);
            if (v > wmax) wmax = v;
        }
        float scale = wmax / 127.0f;
        a->scales[g] = scale;
        for (uint32_t i = 0; i < gs; i++) {
            float qv = x[g * gs + i] / scale;
            /* runq.c: (int8_t)round(x/scale). Only non-finite activations or
             * a denormal scale leave (-127.5, 127.5) (0/0 for an all-zero
             * group, inf/inf, x/denormal rounding to 127.5, ...): saturate
             * those instead of converting out of range (UB). */
            int8_t q;
            if (qv > -127.5f && qv < 127.5f)
                q = (int8_t)eng_round((double)qv);
            else
                q = qv > 0 ? 127 : qv < 0 ? -127 : 0;
            a->values[g * gs + i] = q;
        }
    }
}

typedef struct matvec_job {
    float *out;
    const llmbm_weight *w;
    const float *x;
    q8_act act;
    llmbm_matvec_rows_fn rows; /* kernel-table types */
    const void *x_act;         /* x in the kernel's activation format */
} matvec_job;

static void rows_kernel(void *ctx, size_t begin, size_t end)
{
    const matvec_job *job = ctx;
    job->rows(job->w, job->x_act, job->out, begin, end);
}

/* For interleaved types: [begin, end) counts row groups. */
static void groups_kernel(void *ctx, size_t begin, size_t end)
{
    const matvec_job *job = ctx;
    size_t g = llmbm_type_traits_of(job->w->type)->group_rows;
    job->rows(job->w, job->x_act, job->out, begin * g, end * g);
}

static void rows_ak42_q8(void *ctx, size_t begin, size_t end)
{
    const matvec_job *job = ctx;
    size_t n = job->w->cols, gs = job->w->group_size;
    const int8_t *wq = job->w->data;
    const float *ws = job->w->scales;
    for (size_t r = begin; r < end; r++) {
        size_t in = r * n;
        float val = 0.0f;
        for (size_t j = 0; j + gs <= n; j += gs) {
            int32_t ival = 0;
            for (size_t k = 0; k < gs; k++) ival += (int32_t)job->act.values[j + k] * (int32_t)wq[in + j + k];
            val += ((float)ival) * ws[(in + j) / gs] * job->act.scales[j / gs];
        }
        job->out[r] = val;
    }
}

/* A share of parallel work should stream at least this much memory: less
 * and handing it to another core (a cache-line round trip each way; under
 * QEMU TCG on a busy host, far more) costs more than it saves. With it a
 * dim-64 matrix (stories260K) stays on one core while the matrices of real
 * models split over all of them. */
#define MIN_SHARE_BYTES (16u * 1024u)

size_t llmbm_share_grain(uint64_t bytes_per_index)
{
    if (bytes_per_index == 0) return MIN_SHARE_BYTES;
    uint64_t grain = (MIN_SHARE_BYTES + bytes_per_index - 1) / bytes_per_index;
    return (size_t)grain;
}

int llmbm_matvec(float *out, const llmbm_weight *w, const float *x, void *scratch)
{
    matvec_job job = {out, w, x, {0, 0}, 0, 0};
    switch (w->type) {
        case LLMBM_AK42_Q8:
            job.act = q8_act_layout(scratch, w->cols, w->group_size);
            quantize_q8_act(&job.act, x, w->cols, w->group_size);
            plat_parallel_for(w->rows, llmbm_share_grain((uint64_t)w->cols + (uint64_t)w->cols / w->group_size * 4),
                              rows_ak42_q8, &job);
            return 0;
        default: {
            if (!uses_table(w->type)) return -1;
            /* Quantize x once (Q8_0/Q8_1/Q8_K as the type's dot wants), then
         * split the rows: every thread reads the same activation. */
            const llmbm_kernel_table *k = llmbm_isa_table();
            job.rows = llmbm_kernel_matvec_rows(k, w->type);
            job.x_act = llmbm_kernels_prepare_act(k, w->type, x, scratch, w->cols);
            if (!job.rows || !job.x_act) return -1;
            size_t group = llmbm_type_traits_of(w->type)->group_rows;
            if (group > 1) { /* whole groups per share (the loader made rows a multiple) */
                plat_parallel_for(w->rows / group, llmbm_share_grain(group * llmbm_row_bytes(w->type, w->cols)),
                                  groups_kernel, &job);
                return 0;
            }
            plat_parallel_for(w->rows, llmbm_share_grain(llmbm_row_bytes(w->type, w->cols)), rows_kernel, &job);
            return 0;
        }
    }
}

int llmbm_weight_row(float *out, const llmbm_weight *w, uint32_t row)
{
    size_t n = w->cols, base = (size_t)row * n;
    switch (w->type) {
        case LLMBM_F32: {
            const float *src = (const float *)w->data + base;
            for (size_t i = 0; i < n; i++) out[i] = src[i];
            return 0;
        }
        case LLMBM_F32X16: {
            /* a shared embedding/classifier interleaved for the mat-vec: row r
         * is every 16th float of its group, from lane r % 16 */
            const float *src =
                (const float *)w->data + (size_t)(row / LLMBM_X16_ROWS) * LLMBM_X16_ROWS * n + row % LLMBM_X16_ROWS;
            for (size_t i = 0; i < n; i++) out[i] = src[i * LLMBM_X16_ROWS];
            return 0;
        }
        case LLMBM_AK42_Q8: {
            /* The same q * s product runq.c's dequantize() computes at load. */
            const int8_t *q = (const int8_t *)w->data + base;
            for (size_t i = 0; i < n; i++) out[i] = q[i] * w->scales[(base + i) / w->group_size];
            return 0;
        }
        default: {
            /* A quantized or half token embedding: dequantize just this row. */
            if (!uses_table(w->type)) return -1;
            llmbm_dequantize_row_fn deq = llmbm_kernel_dequantize_row(llmbm_isa_table(), w->type);
            size_t stride = llmbm_row_bytes(w->type, w->cols);
            if (!deq || !stride) return -1;
            deq((const uint8_t *)w->data + (size_t)row * stride, out, n);
            return 0;
        }
    }
}

/* ---- small loops ---------------------------------------------------------- */

/* The element-wise loops run on the kernel table (ops silu_mul, softmax,
 * rms_scale; slot F32): every level computes run.c's exact floats
 * (kernels/x86_64/eltwise_*.c), exp included, so the ISA level never changes
 * a token. rmsnorm's sum of squares stays here, scalar on purpose: it is one
 * running float sum, and run.c adds its terms strictly left to right. Lanes
 * would sum interleaved partial sums, which rounds differently (softmax's sum
 * stays sequential inside its kernel for the same reason). */

void llmbm_rmsnorm(float *o, const float *x, const float *weight, size_t n, float eps)
{
    float ss = 0.0f;
    for (size_t j = 0; j < n; j++) ss += x[j] * x[j];
    ss /= (float)n;
    ss += eps;
    ss = 1.0f / eng_sqrtf(ss);
    llmbm_kernel_rms_scale(llmbm_isa_table(), LLMBM_F32)(o, x, weight, ss, n);
}

void llmbm_softmax(float *x, size_t n) { llmbm_kernel_softmax(llmbm_isa_table(), LLMBM_F32)(x, n); }

void llmbm_silu_mul(float *hb, const float *hb2, size_t n)
{
    llmbm_kernel_silu_mul(llmbm_isa_table(), LLMBM_F32)(hb, hb2, n);
}

/* RoPE's angles depend on the position and the pair, never on the layer or
 * (llama2.c) the head, so they are computed once per token into a table that
 * every layer reads: the same eng_powf/eng_cosf/eng_sinf calls with the same
 * arguments as run.c's loop or ggml's rope cache, hence the same floats. */

void llmbm_rope_table(float *cs, size_t head_size, int pos, float theta)
{
    /* run.c's pairs start at even i, so r = i % head_size is even unless
     * head_size is odd (then pairs straddle heads and any r occurs) */
    size_t step = head_size % 2 ? 1 : 2;
    for (size_t r = 0; r < head_size; r += step) {
        float freq = 1.0f / eng_powf(theta, (float)r / (float)head_size);
        float val = (float)pos * freq;
        cs[2 * r] = eng_cosf(val);
        cs[2 * r + 1] = eng_sinf(val);
    }
}

void llmbm_rope(float *q, size_t q_dim, float *k, size_t k_dim, size_t head_size, const float *cs)
{
    size_t dim = q_dim > k_dim ? q_dim : k_dim;
    for (size_t i = 0; i + 1 < dim; i += 2) {
        const float *t = cs + 2 * (i % head_size);
        float fcr = t[0], fci = t[1];
        if (i < q_dim) {
            float v0 = q[i], v1 = q[i + 1];
            q[i] = v0 * fcr - v1 * fci;
            q[i + 1] = v0 * fci + v1 * fcr;
        }
        if (i < k_dim) {
            float v0 = k[i], v1 = k[i + 1];
            k[i] = v0 * fcr - v1 * fci;
            k[i + 1] = v0 * fci + v1 * fcr;
        }
    }
}

void llmbm_rope_ggml_table(float *cs, size_t rope_dim, int pos, float base, float freq_scale, const float *freq_factors)
{
    float theta_scale = eng_powf(base, -2.0f / (float)rope_dim);
    size_t half = rope_dim / 2;
    float theta = (float)pos;
    for (size_t i = 0; i < half; i++) {
        float t = theta;
        if (freq_factors) t /= freq_factors[i];
        t *= freq_scale;
        cs[2 * i] = eng_cosf(t);
        cs[2 * i + 1] = eng_sinf(t);
        theta *= theta_scale;
    }
}

void llmbm_rope_ggml(float *x, size_t n_heads, size_t head_size, size_t rope_dim, const float *cs, int neox)
{
    size_t half = rope_dim / 2;
    for (size_t h = 0; h < n_heads; h++) {
        float *v = x + h * head_size;
        for (size_t i = 0; i < half; i++) {
            float c = cs[2 * i], s = cs[2 * i + 1];
            size_t a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
            float x0 = v[a], x1 = v[b];
            v[a] = x0 * c - x1 * s;
            v[b] = x0 * s + x1 * c;
        }
    }
}

void llmbm_attention_head(float *out, float *att, const float *q, const void *k, const void *v, llmbm_type kv_type,
                          size_t stride, size_t head_size, int pos)
{
    /* Scores and the weighted sum run on the kernel table (attn_scores /
     * attn_accum, slot: the cache's type). Every level computes the scalar
     * loops' exact floats (kernels/x86_64/attention_*.c), so the ISA level
     * never changes a token. The softmax between them is a table op too. */
    const llmbm_kernel_table *k_table = llmbm_isa_table();
    float scale = eng_sqrtf((float)head_size);
    size_t n_t = (size_t)pos + 1;
    llmbm_kernel_attn_scores(k_table, kv_type)(att, q, k, stride, head_size, n_t, scale);
    llmbm_kernel_softmax(k_table, LLMBM_F32)(att, n_t);
    llmbm_kernel_attn_accum(k_table, kv_type)(out, att, v, stride, head_size, n_t);
}

void llmbm_gelu_mul(float *hb, const float *hb2, size_t n)
{
    const float sqrt_2_over_pi = 0.79788456080286535587989211986876f, coef_a = 0.044715f;
    for (size_t i = 0; i < n; i++) {
        float x = hb[i];
        hb[i] = 0.5f * x * (1.0f + eng_tanhf(sqrt_2_over_pi * x * (1.0f + coef_a * x * x))) * hb2[i];
    }
}

void llmbm_softcap(float *x, float cap, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = cap * eng_tanhf(x[i] / cap);
}

void llmbm_attention_head_capped(float *out, float *att, const float *q, const void *k, const void *v,
                                 llmbm_type kv_type, size_t stride, size_t head_size, size_t n_t, float cap)
{
    const llmbm_kernel_table *k_table = llmbm_isa_table();
    llmbm_kernel_attn_scores(k_table, kv_type)(att, q, k, stride, head_size, n_t, eng_sqrtf((float)head_size));
    llmbm_softcap(att, cap, n_t);
    llmbm_kernel_softmax(k_table, LLMBM_F32)(att, n_t);
    llmbm_kernel_attn_accum(k_table, kv_type)(out, att, v, stride, head_size, n_t);
}

void llmbm_scale(float *x, float s, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] *= s;
}

void llmbm_add(float *x, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}
