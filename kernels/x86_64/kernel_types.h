/* Signatures shared by every kernel of every ISA level. A level's kernels
 * are named llmbm_<op>_<type>_<level> (e.g. llmbm_matvec_rows_q4_K_avx2) and
 * reached through the generated dispatch table (kernel_dispatch.h). */
#pragma once

#include <stddef.h>

#include "kernels.h"

/* llmbm_<op>_<t>_<level>, with `level` itself possibly a macro (the AVX-512
 * bodies are compiled once per level, named by LLMBM_AVX512_SUFFIX). */
#define LLMBM_KSYM_(op, t, level) llmbm_##op##_##t##_##level
#define LLMBM_KSYM(op, t, level)  LLMBM_KSYM_(op, t, level)

/* Function types (for declarations) and the pointer types of the tables. */
typedef void llmbm_dequantize_row_kernel(const void *src, float *dst, size_t n);
typedef void llmbm_quantize_row_kernel(const float *x, void *dst, size_t n);
typedef float llmbm_vec_dot_kernel(const void *w_row, const void *x_act, size_t n);
typedef void llmbm_matvec_rows_kernel(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                      size_t row_end);
typedef void llmbm_matmul_rows_kernel(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok,
                                      float *out, size_t out_stride, size_t row_begin, size_t row_end);
typedef void llmbm_attn_scores_kernel(float *att, const float *q, const void *k, size_t stride, size_t head_size,
                                      size_t n_t, float scale);
typedef void llmbm_attn_accum_kernel(float *out, const float *att, const void *v, size_t stride, size_t head_size,
                                     size_t n_t);
typedef void llmbm_kv_store_kernel(const float *x, void *dst, size_t n);
typedef void llmbm_silu_mul_kernel(float *hb, const float *hb2, size_t n);
typedef void llmbm_softmax_kernel(float *x, size_t n);
typedef void llmbm_rms_scale_kernel(float *o, const float *x, const float *weight, float scale, size_t n);

/* n elements of a row stored as `type` -> f32. n must be a multiple of the
 * type's block size. */
typedef llmbm_dequantize_row_kernel *llmbm_dequantize_row_fn;

/* f32 activation -> its quantized form (Q8_0, Q8_1 or Q8_K blocks). n must be
 * a multiple of the block size; dst needs llmbm_row_bytes(type, n) bytes,
 * 4-byte aligned for Q8_K. */
typedef llmbm_quantize_row_kernel *llmbm_quantize_row_fn;

/* Dot of one weight row (n elements) with an activation already in the
 * weight type's vec_dot type (f32 for F32/F16/BF16 weights). */
typedef llmbm_vec_dot_kernel *llmbm_vec_dot_fn;

/* out[r] = row r of w . x for r in [row_begin, row_end); out is indexed by
 * absolute row so threads can share one output vector. x_act as for
 * llmbm_vec_dot_fn, w->cols elements. The caller has validated w (type known,
 * llmbm_row_bytes(type, cols) != 0, data holding rows * that many bytes):
 * kernels do not re-check on the hot path. */
typedef llmbm_matvec_rows_kernel *llmbm_matvec_rows_fn;

/* matvec_rows for n_tok activations at once (prompt processing): out[t *
 * out_stride + r] = row r of w . (x_act + t * act_stride bytes) for r in
 * [row_begin, row_end), t < n_tok, each result bit for bit what the same
 * level's matvec_rows gives for that token (the same integer sums, the same
 * float operations in the same order), while each weight block is loaded and
 * unpacked once for all the tokens. The generator enforces the "same level":
 * a level inherits a lower level's matmul_rows only together with its
 * matvec_rows for the type ([identical_to] in manifest.toml); elsewhere the
 * slot is NULL and the engine loops matvec_rows over the tokens. Row ranges
 * of interleaved types are whole groups. */
typedef llmbm_matmul_rows_kernel *llmbm_matmul_rows_fn;

/* Attention scores of one head over a KV cache whose element type is the
 * table slot (f32, f16 or q8_0): att[t] = (sum over i = 0..head_size-1, in
 * order, from 0.0f, of q[i] * k_t[i]) / scale for t < n_t, a rounded multiply
 * then a rounded add. k_t is the row starting `t * stride` ELEMENTS of the
 * cache type after k, and k_t[i] its element i as f32: the value itself
 * (f32), llmbm_fp16_to_f32 (f16), or (float)qs[j] * fp16_to_f32(d) of its
 * block (q8_0, ggml's dequantize_row_q8_0). So the cache type changes the
 * stored values, never the order of the sums. Every level gives the scalar
 * loop's bits: SIMD levels put timesteps in lanes, never split the i sum.
 * q8_0: head_size and stride must be multiples of 32 and k must point at a
 * block (SIMD levels run the scalar loop when head_size is not a multiple).
 * No alignment is required; q stays f32 (it is not quantized). */
typedef llmbm_attn_scores_kernel *llmbm_attn_scores_fn;

/* The weighted sum of one head's values over a cache of the slot's type
 * (element i of v_t as for attn_scores): out[i] = 0, then out[i] += att[t] *
 * v_t[i] for t = 0..n_t-1 in order (v_t `t * stride` elements after v), a
 * rounded multiply then a rounded add, never an FMA. SIMD levels put i in
 * lanes. q8_0: the same conditions as attn_scores. */
typedef llmbm_attn_accum_kernel *llmbm_attn_accum_fn;

/* One f32 head-row (n elements) into the KV cache's type (the slot): f32 a
 * copy; f16 llmbm_f32_to_fp16 per element (round to nearest even, F16C's
 * and ggml's conversion; NaN stays a quiet NaN with its payload's top bits);
 * q8_0 the activation quantizer (quantize_row, ggml's quantize_row_q8_0_ref
 * bytes), n a multiple of 32. dst needs llmbm_row_bytes(type, n) bytes, no
 * alignment. Every level writes the scalar level's bytes. */
typedef llmbm_kv_store_kernel *llmbm_kv_store_fn;

/* The element-wise loops of a decode step (kernels/x86_64/eltwise_*.c, slot
 * F32). Every level returns the scalar level's bits: lanes do the scalar
 * code's IEEE operations in its order (exp in double, as eng_exp; multiplies
 * and adds never fused), and the one running sum stays sequential.
 *
 * silu_mul: hb[i] = hb[i] * (1 / (1 + expf(-hb[i]))) * hb2[i], left to right. */
typedef llmbm_silu_mul_kernel *llmbm_silu_mul_fn;

/* softmax: in place over x[0..n): m = max, x[i] = expf(x[i] - m), sum them
 * from 0.0f for i = 0..n-1 in order, x[i] /= sum. Nothing for n = 0. */
typedef llmbm_softmax_kernel *llmbm_softmax_fn;

/* rms_scale: o[i] = weight[i] * (scale * x[i]), RMSNorm's last loop (the sum
 * of squares, a sequential float sum, stays in the engine). o may equal x. */
typedef llmbm_rms_scale_kernel *llmbm_rms_scale_fn;
