/* One layer's causal attention over the KV cache, for a batch of tokens.
 *
 * One token (decode) runs each head through the table's attn_scores /
 * softmax / attn_accum kernels. A batch of several tokens computes the same
 * bits faster: every score is q . k summed over the head's elements in
 * order, one rounding per product and per sum, then divided by sqrt(head
 * size) (the scalar reference, kernels/x86_64/attention_*.c, which every
 * level reproduces). That sum is exactly what attn_accum computes when it
 * is handed q as the weights and the keys transposed as the rows: row i of
 * the transposed block holds element i of 64 consecutive keys, and the
 * kernel sums q[i] * row_i over i in order with the keys in its lanes. The
 * transposition is paid once per KV head and share, and reused by every
 * query head of the group and every token of the batch, where the one-token
 * kernel gathers each key's elements again for each of them. One token
 * takes the same path when its KV heads keep every core busy (decode deep in
 * a long context is mostly these scores). */
#include "attention.h"

#include "eng_math.h"
#include "isa.h"
#include "kernels_api.h"
#include "ops.h"
#include "platform.h"

/* Keys per transposed block: attn_accum keeps 64 lanes in registers. */
#define KEY_BLOCK 64

typedef struct attention_job {
    llmbm_transformer *tf;
    size_t layer_off;  /* bytes */
    size_t head_bytes; /* one KV head's elements, in bytes */
    size_t hs, kv_dim, q_dim, xb_len, kv_mul;
    uint32_t pos, n;      /* the batch: positions pos .. pos+n-1 */
    uint32_t window;      /* a sliding-window layer's width, else 0 */
    float softcap;        /* 0: none */
    size_t items, chunks; /* batched: (KV head, token chunk) pairs, chunks per head */
    unsigned shares;
} attention_job;

/* A local layer sees its window: positions pos - window + 1 .. pos. */
static uint32_t first_key(const attention_job *j, uint32_t pos)
{
    return j->window && pos >= j->window ? pos + 1 - j->window : 0;
}

static const uint8_t *cache_at(const attention_job *j, const uint8_t *cache, uint32_t p, size_t kv_head)
{
    return cache + j->layer_off + (size_t)p * j->tf->kv_row_bytes + j->head_bytes * kv_head;
}

/* Scores to probabilities and the weighted sum of values: the same calls
 * whichever way the scores were computed. */
static void finish_head(const attention_job *j, float *out, float *att, size_t kv_head, uint32_t first, size_t n_t)
{
    const llmbm_kernel_table *k_table = llmbm_isa_table();
    if (j->softcap != 0.0f) llmbm_softcap(att, j->softcap, n_t);
    llmbm_kernel_softmax(k_table, LLMBM_F32)(att, n_t);
    llmbm_kernel_attn_accum(k_table, j->tf->kv_elem)(out, att, cache_at(j, j->tf->value_cache, first, kv_head),
                                                     j->kv_dim, j->hs, n_t);
}

/* One token: each head through the one-token kernels. */
static void heads_one_token(void *ctx, size_t begin, size_t end)
{
    const attention_job *j = ctx;
    llmbm_transformer *tf = j->tf;
    const llmbm_kernel_table *k_table = llmbm_isa_table();
    uint32_t first = first_key(j, j->pos);
    size_t n_t = (size_t)(j->pos - first) + 1;
    for (size_t h = begin; h < end; h++) {
        float *att = tf->att + h * tf->ctx_len;
        llmbm_kernel_attn_scores(k_table, tf->kv_elem)(att, tf->q + h * j->hs,
                                                       cache_at(j, tf->key_cache, first, h / j->kv_mul), j->kv_dim,
                                                       j->hs, n_t, eng_sqrtf((float)j->hs));
        finish_head(j, tf->xb + h * j->hs, att, h / j->kv_mul, first, n_t);
    }
}

/* Keys [first, last] of one KV head as f32 blocks of KEY_BLOCK keys, each
 * block hs rows of KEY_BLOCK: element i of key first + b*KEY_BLOCK + k at
 * kt[(b * hs + i) * KEY_BLOCK + k]. A block's keys are dequantized row by
 * row into `rows` (KEY_BLOCK * hs floats, in L1) and turned there, so the
 * block is written in order. */
static void transpose_keys(const attention_job *j, float *kt, float *rows, size_t kv_head, uint32_t first,
                           uint32_t last)
{
    llmbm_dequantize_row_fn load = llmbm_kernel_dequantize_row(llmbm_isa_table(), j->tf->kv_elem);
    size_t hs = j->hs;
    for (uint32_t start = first; start <= last; start += KEY_BLOCK) {
        size_t keys = last - start + 1 < KEY_BLOCK ? last - start + 1 : KEY_BLOCK;
        for (size_t k = 0; k < keys; k++)
            load(cache_at(j, j->tf->key_cache, start + (uint32_t)k, kv_head), rows + k * hs, hs);
        float *dst = kt + (size_t)(start - first) / KEY_BLOCK * hs * KEY_BLOCK;
        for (size_t i = 0; i < hs; i++)
            for (size_t k = 0; k < keys; k++) dst[i * KEY_BLOCK + k] = rows[k * hs + i];
    }
}

/* Scores of one query against keys [from, from + n_t) of the transposed
 * run that starts at key `base`: attn_accum over each block's part. */
static void scores_from_blocks(const attention_job *j, float *att, const float *q, const float *kt, uint32_t base,
                               uint32_t from, size_t n_t)
{
    llmbm_attn_accum_fn dot = llmbm_kernel_attn_accum(llmbm_isa_table(), LLMBM_F32);
    float scale = eng_sqrtf((float)j->hs);
    size_t done = 0;
    while (done < n_t) {
        size_t r = from - base + done, b = r / KEY_BLOCK, k = r % KEY_BLOCK;
        size_t len = KEY_BLOCK - k < n_t - done ? KEY_BLOCK - k : n_t - done;
        dot(att + done, q, kt + b * j->hs * KEY_BLOCK + k, KEY_BLOCK, len, j->hs);
        done += len;
    }
    for (size_t t = 0; t < n_t; t++) att[t] = att[t] / scale;
}

/* Share s of the batched work: its (KV head, token chunk) items, with its
 * own transposed keys and score row. */
static void share_batched(void *ctx, size_t s_begin, size_t s_end)
{
    const attention_job *j = ctx;
    llmbm_transformer *tf = j->tf;
    for (size_t s = s_begin; s < s_end; s++) {
        float *kt = tf->keys_t + s * tf->keys_t_floats, *att = tf->att + s * tf->ctx_len;
        float *rows = kt + tf->keys_t_floats - KEY_BLOCK * j->hs;
        size_t begin, end;
        plat_share_range(j->items, j->shares, (unsigned)s, &begin, &end);
        for (size_t item = begin; item < end; item++) {
            size_t g = item / j->chunks, c = item % j->chunks;
            uint32_t t0 = (uint32_t)(j->n * c / j->chunks), t1 = (uint32_t)(j->n * (c + 1) / j->chunks);
            if (t0 == t1) continue;
            uint32_t base = first_key(j, j->pos + t0), last = j->pos + t1 - 1;
            transpose_keys(j, kt, rows, g, base, last);
            for (uint32_t t = t0; t < t1; t++) {
                uint32_t first = first_key(j, j->pos + t);
                size_t n_t = (size_t)(j->pos + t - first) + 1;
                for (size_t h = g * j->kv_mul; h < (g + 1) * j->kv_mul; h++) {
                    scores_from_blocks(j, att, tf->q + t * j->q_dim + h * j->hs, kt, base, first, n_t);
                    finish_head(j, tf->xb + t * j->xb_len + h * j->hs, att, g, first, n_t);
                }
            }
        }
    }
}

size_t llmbm_attention_keys_t_floats(uint32_t ctx_len, uint32_t head_size)
{
    /* whole blocks for ctx_len keys, and one block's keys as dequantized */
    return ((size_t)ctx_len + KEY_BLOCK - 1) / KEY_BLOCK * KEY_BLOCK * head_size + KEY_BLOCK * head_size;
}

void llmbm_attention_layer(llmbm_transformer *tf, size_t layer_off, uint32_t pos, uint32_t n, uint32_t window,
                           float softcap)
{
    const llmbm_config *c = &tf->model->config;
    attention_job j = {0};
    j.tf = tf;
    j.layer_off = layer_off;
    j.hs = c->head_size;
    j.head_bytes = llmbm_row_bytes(tf->kv_elem, j.hs);
    j.kv_dim = (size_t)c->n_kv_heads * j.hs;
    j.q_dim = (size_t)c->n_heads * j.hs;
    j.xb_len = j.q_dim > c->dim ? j.q_dim : c->dim;
    j.kv_mul = c->n_heads / c->n_kv_heads;
    j.pos = pos;
    j.n = n;
    j.window = window;
    j.softcap = softcap;
    unsigned cores = plat_core_count();
    unsigned most = cores < tf->keys_t_shares ? cores : tf->keys_t_shares;
    /* One token splits by KV head only: when that leaves cores idle (or no
     * share has transposed keys), each head runs on its own. */
    if (n == 1 && (most == 0 || c->n_kv_heads < most)) {
        /* a head reads up to pos+1 keys and values */
        uint64_t head_reads = ((uint64_t)pos + 1) * j.head_bytes * 2;
        plat_parallel_for(c->n_heads, llmbm_share_grain(head_reads), heads_one_token, &j);
        return;
    }
    /* Enough token chunks per KV head that every share has work; a chunk
     * re-transposes the keys it reads, so no more than that. */
    j.chunks = (most + c->n_kv_heads - 1) / c->n_kv_heads;
    if (j.chunks > n) j.chunks = n;
    j.items = (size_t)c->n_kv_heads * j.chunks;
    /* an item reads its keys once and every value row once per query head and token */
    uint64_t item_reads = ((uint64_t)pos + n) * j.head_bytes * (1 + j.kv_mul * (n / j.chunks + 1));
    j.shares = plat_share_count(j.items, llmbm_share_grain(item_reads), most);
    plat_parallel_for(j.shares, 1, share_batched, &j);
}
