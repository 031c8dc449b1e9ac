/* GGUF/ggml weight block layouts and the exact scalar conversions every
 * kernel level shares. Freestanding: no libc, no libm.
 *
 * The layouts are ggml's (ggml-common.h), because GGUF files store these
 * blocks byte for byte and the engine keeps weights in their file format.
 * Half-precision fields are kept as raw uint16_t so that no struct depends on
 * compiler support for _Float16. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

/* Block sizes as ggml names them, from the type table (type_table.def). */
#define LLMBM_QK4_0        LLMBM_BLOCK_SIZE_Q4_0
#define LLMBM_QK4_1        LLMBM_BLOCK_SIZE_Q4_1
#define LLMBM_QK5_0        LLMBM_BLOCK_SIZE_Q5_0
#define LLMBM_QK5_1        LLMBM_BLOCK_SIZE_Q5_1
#define LLMBM_QK8_0        LLMBM_BLOCK_SIZE_Q8_0
#define LLMBM_QK8_1        LLMBM_BLOCK_SIZE_Q8_1
#define LLMBM_QK_K         LLMBM_BLOCK_SIZE_Q4_K
#define LLMBM_K_SCALE_SIZE 12

typedef uint16_t llmbm_fp16;
typedef uint16_t llmbm_bf16;

typedef struct {
    llmbm_fp16 d;
    uint8_t qs[LLMBM_QK4_0 / 2]; /* low nibble: element j, high: j+16 */
} block_q4_0;

/* Q4_0P: a Q4_0 row of nb blocks re-laid out as two planes, the nb fp16
 * scales first and then the nb 16-byte quant groups, so a SIMD kernel reads
 * four blocks' quants with one 64-byte load and sixteen scales with one
 * 32-byte load instead of picking them out of 18-byte blocks. Same bytes per
 * row as Q4_0 and the same values; the GGUF loader converts Q4_0 matrices
 * to it in place (llmbm_q4_0p_from_q4_0). */
static inline const llmbm_fp16 *llmbm_q4_0p_scales(const void *row) { return (const llmbm_fp16 *)row; }

static inline const uint8_t *llmbm_q4_0p_quants(const void *row, size_t nb) { return (const uint8_t *)row + 2 * nb; }

typedef struct {
    llmbm_fp16 d;
    llmbm_fp16 m;
    uint8_t qs[LLMBM_QK4_1 / 2];
} block_q4_1;

typedef struct {
    llmbm_fp16 d;
    uint8_t qh[4]; /* bit j: 5th bit of element j (little-endian u32) */
    uint8_t qs[LLMBM_QK5_0 / 2];
} block_q5_0;

typedef struct {
    llmbm_fp16 d;
    llmbm_fp16 m;
    uint8_t qh[4];
    uint8_t qs[LLMBM_QK5_1 / 2];
} block_q5_1;

typedef struct {
    llmbm_fp16 d;
    int8_t qs[LLMBM_QK8_0];
} block_q8_0;

/* Activation block for the q4_1/q5_1 dots: s = d * sum(qs) carries the
 * weights' min term without a second pass over the quants. */
typedef struct {
    llmbm_fp16 d;
    llmbm_fp16 s;
    int8_t qs[LLMBM_QK8_1];
} block_q8_1;

/* Two-bit quants, 16 sub-blocks of 16 with 4-bit scale and 4-bit min. */
typedef struct {
    uint8_t scales[LLMBM_QK_K / 16]; /* low nibble scale, high nibble min */
    uint8_t qs[LLMBM_QK_K / 4];
    llmbm_fp16 d;
    llmbm_fp16 dmin;
} block_q2_K;

/* Three-bit quants: 2 low bits in qs, the third (inverted sign) in hmask;
 * 16 six-bit scales packed into 12 bytes. */
typedef struct {
    uint8_t hmask[LLMBM_QK_K / 8];
    uint8_t qs[LLMBM_QK_K / 4];
    uint8_t scales[12];
    llmbm_fp16 d;
} block_q3_K;

/* Four-bit quants, 8 sub-blocks of 32 with 6-bit scales and mins. */
typedef struct {
    llmbm_fp16 d;
    llmbm_fp16 dmin;
    uint8_t scales[LLMBM_K_SCALE_SIZE];
    uint8_t qs[LLMBM_QK_K / 2];
} block_q4_K;

/* Q4_Kx16: one super-block of 16 consecutive Q4_K rows, interleaved so that
 * a 64-byte register holds the same 8 elements of all 16 rows and a SIMD
 * lane accumulates one row: the activation is then a broadcast, every
 * sub-block scale applies to 16 rows at once, and no shuffle is left in the
 * inner loop. Exactly the bytes and values of the 16 block_q4_K it replaces:
 *   d, dmin       the rows' fp16 scales
 *   sc_lo, mn_lo  [p][r]: low 4 bits of scale (min) 2p | those of 2p+1 << 4
 *   sc_hi, mn_hi  [q][r]: top 2 bits of scales (mins) 4q..4q+3, 2 bits each
 *   qs            [c][k][r][4]: bytes 4k..4k+3 of chunk c (32 bytes: low
 *                 nibbles sub-block 2c, high ones 2c+1) of row r
 * A matrix is its row groups one after another, each nb of these. */
#define LLMBM_X16_ROWS 16 /* rows per group of the interleaved layouts */
typedef struct {
    llmbm_fp16 d[16];
    llmbm_fp16 dmin[16];
    uint8_t sc_lo[4][16];
    uint8_t mn_lo[4][16];
    uint8_t sc_hi[2][16];
    uint8_t mn_hi[2][16];
    uint8_t qs[4][8][16][4];
} block_q4_Kx16;

/* Q4_0x16: one block of 16 consecutive Q4_0 rows, interleaved like Q4_Kx16
 * (lane r of a register is row r): d[r] is row r's scale, qs[k][r] bytes
 * 4k..4k+3 of its quants (low nibbles elements 4k.., high ones 16 + 4k..).
 * A matrix is its 16-row groups one after another, each nb of these. */
typedef struct {
    llmbm_fp16 d[16];
    uint8_t qs[4][16][4];
} block_q4_0x16;

/* F32x16: 16 consecutive F32 rows of n elements interleaved, element j of
 * row k at float j * 16 + k of the group, so one 64-byte load is element j
 * of all 16 rows and lane k sums row k in the scalar (run.c) order with no
 * shuffle. A matrix is its 16-row groups one after another (row r's group at
 * float (r / 16) * 16 * n); the bytes are the plain rows', permuted. */

typedef struct {
    llmbm_fp16 d;
    llmbm_fp16 dmin;
    uint8_t scales[LLMBM_K_SCALE_SIZE];
    uint8_t qh[LLMBM_QK_K / 8];
    uint8_t qs[LLMBM_QK_K / 2];
} block_q5_K;

/* Six-bit quants, 16 sub-blocks of 16 with int8 scales. */
typedef struct {
    uint8_t ql[LLMBM_QK_K / 2];
    uint8_t qh[LLMBM_QK_K / 4];
    int8_t scales[LLMBM_QK_K / 16];
    llmbm_fp16 d;
} block_q6_K;

/* Activation block for the K-quant dots: f32 scale, and the sums of each
 * group of 16 quants so that the weights' mins cost one multiply per group. */
typedef struct {
    float d;
    int8_t qs[LLMBM_QK_K];
    int16_t bsums[LLMBM_QK_K / 16];
} block_q8_K;

/* The structs are the table's blocks (and the interleaved ones exactly the
 * bytes of the blocks they replace). */
#define LLMBM_ASSERT_BLOCK(NAME, block) _Static_assert(sizeof(block) == LLMBM_BLOCK_BYTES_##NAME, #block " size")
LLMBM_ASSERT_BLOCK(Q4_0, block_q4_0);
LLMBM_ASSERT_BLOCK(Q4_1, block_q4_1);
LLMBM_ASSERT_BLOCK(Q5_0, block_q5_0);
LLMBM_ASSERT_BLOCK(Q5_1, block_q5_1);
LLMBM_ASSERT_BLOCK(Q8_0, block_q8_0);
LLMBM_ASSERT_BLOCK(Q8_1, block_q8_1);
LLMBM_ASSERT_BLOCK(Q2_K, block_q2_K);
LLMBM_ASSERT_BLOCK(Q3_K, block_q3_K);
LLMBM_ASSERT_BLOCK(Q4_K, block_q4_K);
LLMBM_ASSERT_BLOCK(Q5_K, block_q5_K);
LLMBM_ASSERT_BLOCK(Q6_K, block_q6_K);
LLMBM_ASSERT_BLOCK(Q8_K, block_q8_K);
#undef LLMBM_ASSERT_BLOCK
_Static_assert(sizeof(block_q4_Kx16) == LLMBM_X16_ROWS * sizeof(block_q4_K), "block_q4_Kx16 size");
_Static_assert(sizeof(block_q4_0x16) == LLMBM_X16_ROWS * sizeof(block_q4_0), "block_q4_0x16 size");

/* ---- bit-exact conversions ------------------------------------------- */

static inline uint32_t llmbm_f32_bits(float f)
{
    uint32_t u;
    __builtin_memcpy(&u, &f, sizeof u);
    return u;
}

static inline float llmbm_f32_from_bits(uint32_t u)
{
    float f;
    __builtin_memcpy(&f, &u, sizeof f);
    return f;
}

/* Every half is exactly representable as a float, so this is exact. */
static inline float llmbm_fp16_to_f32(llmbm_fp16 h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    const uint32_t mant = h & 0x3ffu;
    if (exp == 0) {
        /* zero or subnormal: mant * 2^-24, exact in float arithmetic */
        const float mag = (float)mant * 0x1p-24f;
        return llmbm_f32_from_bits(llmbm_f32_bits(mag) | sign);
    }
    if (exp == 31) return llmbm_f32_from_bits(sign | 0x7f800000u | (mant << 13));
    return llmbm_f32_from_bits(sign | ((exp + 112u) << 23) | (mant << 13));
}

/* Round to nearest, ties to even: what F16C's vcvtps2ph (imm 0) and ggml's
 * scalar fallback do, so quantized scales match ggml bit for bit. */
static inline llmbm_fp16 llmbm_f32_to_fp16(float f)
{
    const uint32_t x = llmbm_f32_bits(f);
    const uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7fffffffu;

    if (ax > 0x7f800000u) /* NaN: keep it quiet and non-zero */
        return (llmbm_fp16)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    if (ax >= 0x47800000u) /* >= 65536: inf (65520..65536 rounds below) */
        return (llmbm_fp16)(sign | 0x7c00u);
    if (ax < 0x38800000u) {
        /* below 2^-14: result is subnormal (or the smallest normal after
         * rounding). Adding 0.5 puts the value where the float ulp is 2^-24,
         * one half-subnormal step, so the FPU does the RNE rounding. */
        const float r = llmbm_f32_from_bits(ax) + 0.5f;
        return (llmbm_fp16)(sign | (llmbm_f32_bits(r) - 0x3f000000u));
    }
    /* normal: rebias the exponent (127 -> 15) and round the 13 dropped
     * mantissa bits to nearest even; a carry correctly bumps the exponent. */
    const uint32_t odd = (ax >> 13) & 1u;
    ax += ((uint32_t)(15 - 127) << 23) + 0xfffu + odd;
    return (llmbm_fp16)(sign | (ax >> 13));
}

static inline float llmbm_bf16_to_f32(llmbm_bf16 h) { return llmbm_f32_from_bits((uint32_t)h << 16); }

/* C's roundf (half away from zero) without libm; ggml's q8_0/q8_1 activation
 * quantizers use roundf. Valid for any float; returns an integral float. */
static inline float llmbm_round_away(float x)
{
    const float ax = __builtin_fabsf(x);
    if (!(ax < 8388608.0f)) /* >= 2^23 is integral already; NaN passes */
        return x;
    float t = (float)(int32_t)ax; /* truncation; ax - t is exact */
    if (ax - t >= 0.5f) t += 1.0f;
    return __builtin_copysignf(t, x);
}

/* ggml's nearest_int for the K-quant activation quantizer: round to nearest
 * even through the 1.5*2^23 magic constant. |x| must be <= 2^22. */
static inline int32_t llmbm_nearest_int(float x)
{
    const float v = x + 12582912.0f;
    return (int32_t)(llmbm_f32_bits(v) & 0x007fffffu) - 0x00400000;
}

/* Little-endian u32 from 4 bytes, independent of alignment. */
static inline uint32_t llmbm_load_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* The 6-bit scale and min of sub-block j of a Q4_K/Q5_K block. */
static inline void llmbm_k4_scale_min(int j, const uint8_t *q, uint8_t *sc, uint8_t *m)
{
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/* The 16 signed 6-bit scales of a Q3_K block (stored with a +32 bias). */
static inline void llmbm_q3k_scales(const uint8_t *packed, int8_t out[16])
{
    for (int j = 0; j < 16; ++j) {
        const int low = j < 8 ? (packed[j] & 0xF) : (packed[j - 8] >> 4);
        const int high = (packed[8 + (j & 3)] >> (2 * (j >> 2))) & 3;
        out[j] = (int8_t)((low | (high << 4)) - 32);
    }
}

/* ---- per-type facts ---------------------------------------------------- */

/* One entry of type_table.def, as the kernels and the engine read it. */
typedef struct llmbm_type_traits {
    const char *name;        /* ggml's name: "q4_0", "q4_K", ... */
    uint32_t block_size;     /* elements per block */
    uint32_t block_bytes;    /* bytes per block */
    llmbm_type vec_dot_type; /* the activation format its dot pairs with;
                              * LLMBM_TYPE_COUNT (none) for file-only types */
    bool is_weight;          /* a weight type or layout the kernels compute with */
    bool has_kernels;        /* some kernel takes it: all but the file-only types */
    bool in_files;           /* a GGUF tensor may have it (every type but the layouts) */
    llmbm_type base;         /* a layout's file type; the type itself otherwise */
    uint32_t group_rows;     /* 1, or the rows interleaved per group (Q4_Kx16):
                            * such a type has only matvec_rows, over whole groups */
} llmbm_type_traits;

/* NULL for ids that are not in the type table. */
const llmbm_type_traits *llmbm_type_traits_of(llmbm_type type);

/* The layout of single rows (group_rows 1) made from file type `type`
 * (Q4_0P for Q4_0), or `type` itself when the table has none: what a matrix
 * read a row at a time (the token embedding) may be rewritten as. */
llmbm_type llmbm_row_layout(llmbm_type type);

/* Bytes of one row of `cols` elements, or 0 when no kernel takes the type or
 * `cols` is not a positive multiple of its block size (callers validate
 * tensors with this). */
size_t llmbm_row_bytes(llmbm_type type, uint64_t cols);

/* Bytes of the quantized activation a row of `cols` needs for a weight of
 * `weight_type` (its vec_dot type), or 0 when invalid. */
size_t llmbm_act_bytes(llmbm_type weight_type, uint64_t cols);

/* Writes the Q4_0P form of the Q4_0 row `src` (nb blocks) to `dst`; the two
 * must not overlap. */
void llmbm_q4_0p_from_q4_0(void *dst, const void *src, size_t nb);

/* Writes the Q4_Kx16 form of 16 consecutive Q4_K rows (`src`, nb super-blocks
 * each) to `dst`; the two must not overlap. */
void llmbm_q4_kx16_from_q4_k(void *dst, const void *src, size_t nb);

/* The same for 16 Q4_0 rows of nb blocks -> Q4_0x16, and row r's block
 * back out of one Q4_0x16 block. */
void llmbm_q4_0x16_from_q4_0(void *dst, const void *src, size_t nb);
void llmbm_q4_0_from_q4_0x16(block_q4_0 *dst, const block_q4_0x16 *src, int r);

/* The file type each in-memory layout is made from (Q4_0 for Q4_0P and
 * Q4_0x16, Q4_K for Q4_Kx16), or the type itself for a file type. */
llmbm_type llmbm_layout_base(llmbm_type layout);

/* Bytes of scratch llmbm_relayout needs for rows of `cols` elements: one
 * conversion unit (a row, or a 16-row group); 0 when invalid. */
size_t llmbm_relayout_scratch_bytes(llmbm_type layout, uint64_t cols);

/* Rewrites `rows` consecutive rows of llmbm_layout_base(layout) at `data`
 * in place as `layout`, a unit at a time through `scratch`. For the
 * interleaved layouts rows must be a multiple of LLMBM_X16_ROWS. */
void llmbm_relayout(void *data, size_t rows, uint64_t cols, llmbm_type layout, void *scratch);

/* The inverse: rewrites `rows` rows stored as `layout` at `data` in place as
 * llmbm_layout_base(layout) again, byte for byte the file's rows (the
 * engine re-lays a model out when the kernel level changes after loading). */
void llmbm_relayout_back(void *data, size_t rows, uint64_t cols, llmbm_type layout, void *scratch);

/* Row r's block_q4_K back from one Q4_Kx16 super-block (the reference
 * kernel computes with it, so it stays Q4_K's arithmetic). */
void llmbm_q4_k_from_q4_kx16(block_q4_K *dst, const block_q4_Kx16 *src, int r);
