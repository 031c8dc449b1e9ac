/* The hot loops of the forward pass, each behind one small function so SIMD
 * kernels can replace them without touching the transformer. The scalar
 * versions here keep llama2.c's exact order of float operations: that is what
 * makes our output identical to run.c/runq.c. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

/* Bytes of scratch llmbm_matvec needs for an input of `cols` elements (the
 * quantized copy of x for integer-dot weight types). */
size_t llmbm_matvec_scratch_bytes(const llmbm_weight *w);

/* out[r] = dot(row r of w, x) for all w->rows rows; x has w->cols elements.
 * The one entry point for every matrix-vector product: it switches on the
 * weight type and splits rows over plat_parallel_for. `scratch` must hold
 * llmbm_matvec_scratch_bytes(w) bytes, 64-byte aligned. Returns 0, or -1 for
 * a weight type with no kernel (loaders reject those earlier). */
int llmbm_matvec(float *out, const llmbm_weight *w, const float *x, void *scratch);

/* The plat_parallel_for grain for work that streams `bytes_per_index`
 * bytes per index: enough indices per share to be worth another core. */
size_t llmbm_share_grain(uint64_t bytes_per_index);

/* Row `row` of w as floats (the token embedding lookup). */
int llmbm_weight_row(float *out, const llmbm_weight *w, uint32_t row);

/* True if llmbm_matvec/llmbm_weight_row support this type. */
int llmbm_type_supported(llmbm_type type);
/* ggml's name of a type (the type table's), "ak42_q8", or "unknown". */
const char *llmbm_type_name(llmbm_type type);

/* o = weight * (x / rms(x)), eps inside the square root. o may alias x. */
void llmbm_rmsnorm(float *o, const float *x, const float *weight, size_t n, float eps);

/* In-place softmax over x[0..n). */
void llmbm_softmax(float *x, size_t n);

/* llama2.c RoPE at position pos, in two steps: llmbm_rope_table once per
 * token fills cs (2 * head_size floats) with (cos, sin) of pos *
 * theta^(-r/head_size) at cs[2r], cs[2r+1] for each r = i % head_size a pair
 * starts at; llmbm_rope then rotates adjacent pairs (x[i], x[i+1]) of q
 * (q_dim elements) and k (k_dim elements) by those angles, in every layer. */
void llmbm_rope_table(float *cs, size_t head_size, int pos, float theta);
void llmbm_rope(float *q, size_t q_dim, float *k, size_t k_dim, size_t head_size, const float *cs);

/* ggml's RoPE, likewise split. llmbm_rope_ggml_table fills cs (rope_dim
 * floats) with (cos, sin) of pair i's angle pos * freq_scale *
 * base^(-2i/rope_dim) (divided by freq_factors[i] when given), computed like
 * ggml's rope cache (the per-pair factor by repeated multiplication).
 * llmbm_rope_ggml rotates the first rope_dim elements of each of n_heads
 * heads of head_size at x: neox pairs (i, i + rope_dim/2), otherwise
 * adjacent pairs (2i, 2i+1). */
void llmbm_rope_ggml_table(float *cs, size_t rope_dim, int pos, float base, float freq_scale,
                           const float *freq_factors);
void llmbm_rope_ggml(float *x, size_t n_heads, size_t head_size, size_t rope_dim, const float *cs, int neox);

/* hb[i] = silu(hb[i]) * hb2[i]. */
void llmbm_silu_mul(float *hb, const float *hb2, size_t n);

/* Attention for one head: att[t] = q.k_t / sqrt(head_size) for t <= pos,
 * softmax, then out = sum_t att[t] * v_t. The cache holds elements of
 * kv_type (f32, f16 or q8_0); keys/values for position t start `t * stride`
 * elements after k (likewise v). */
void llmbm_attention_head(float *out, float *att, const float *q, const void *k, const void *v, llmbm_type kv_type,
                          size_t stride, size_t head_size, int pos);
/* hb[i] = gelu(hb[i]) * hb2[i], ggml's tanh approximation of GELU. */
void llmbm_gelu_mul(float *hb, const float *hb2, size_t n);

/* x[i] = cap * tanh(x[i] / cap): gemma2's soft-capping. */
void llmbm_softcap(float *x, float cap, size_t n);

/* llmbm_attention_head over n_t positions with the scores soft-capped
 * (llmbm_softcap) between scaling and softmax. */
void llmbm_attention_head_capped(float *out, float *att, const float *q, const void *k, const void *v,
                                 llmbm_type kv_type, size_t stride, size_t head_size, size_t n_t, float cap);

/* x[i] *= s. */
void llmbm_scale(float *x, float s, size_t n);

/* x[i] += y[i]. */
void llmbm_add(float *x, const float *y, size_t n);
