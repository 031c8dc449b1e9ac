/* The per-type table every kernel level and the engine's tensor validation
 * share: block geometry and the activation format each weight type's dot
 * product pairs with (ggml's vec_dot_type). */
#include "quant_formats.h"

#define TRAITS(id, nm, bs, bytes, vdt, w) \
    [id] = { .name = nm, .block_size = bs, .block_bytes = bytes, .vec_dot_type = vdt, .is_weight = w, .group_rows = 1 }

static const llmbm_type_traits type_traits[] = {
    TRAITS(LLMBM_F32, "f32", 1, 4, LLMBM_F32, true),
    TRAITS(LLMBM_F16, "f16", 1, 2, LLMBM_F32, true),
    TRAITS(LLMBM_Q4_0, "q4_0", LLMBM_QK4_0, sizeof(block_q4_0), LLMBM_Q8_0, true),
    /* not a ggml type: Q4_0 rows in two planes (quant_formats.h) */
    TRAITS(LLMBM_Q4_0P, "q4_0p", LLMBM_QK4_0, sizeof(block_q4_0), LLMBM_Q8_0, true),
    /* not a ggml type: Q4_K with 16 rows interleaved (quant_formats.h) */
    [LLMBM_Q4_KX16] = {.name = "q4_Kx16", .block_size = LLMBM_QK_K, .block_bytes = sizeof(block_q4_K),
                       .vec_dot_type = LLMBM_Q8_K, .is_weight = true, .group_rows = LLMBM_X16_ROWS},
    [LLMBM_Q4_0X16] = {.name = "q4_0x16", .block_size = LLMBM_QK4_0, .block_bytes = sizeof(block_q4_0),
                       .vec_dot_type = LLMBM_Q8_0, .is_weight = true, .group_rows = LLMBM_X16_ROWS},
    /* not a ggml type: F32 with 16 rows interleaved (quant_formats.h) */
    [LLMBM_F32X16] = {.name = "f32x16", .block_size = 1, .block_bytes = 4, .vec_dot_type = LLMBM_F32,
                      .is_weight = true, .group_rows = LLMBM_X16_ROWS},
    TRAITS(LLMBM_Q4_1, "q4_1", LLMBM_QK4_1, sizeof(block_q4_1), LLMBM_Q8_1, true),
    TRAITS(LLMBM_Q5_0, "q5_0", LLMBM_QK5_0, sizeof(block_q5_0), LLMBM_Q8_0, true),
    TRAITS(LLMBM_Q5_1, "q5_1", LLMBM_QK5_1, sizeof(block_q5_1), LLMBM_Q8_1, true),
    TRAITS(LLMBM_Q8_0, "q8_0", LLMBM_QK8_0, sizeof(block_q8_0), LLMBM_Q8_0, true),
    /* Q8_1 and Q8_K exist as activation formats; ggml never stores weights
     * in them, so the engine should refuse such tensors. */
    TRAITS(LLMBM_Q8_1, "q8_1", LLMBM_QK8_1, sizeof(block_q8_1), LLMBM_Q8_1, false),
    TRAITS(LLMBM_Q2_K, "q2_K", LLMBM_QK_K, sizeof(block_q2_K), LLMBM_Q8_K, true),
    TRAITS(LLMBM_Q3_K, "q3_K", LLMBM_QK_K, sizeof(block_q3_K), LLMBM_Q8_K, true),
    TRAITS(LLMBM_Q4_K, "q4_K", LLMBM_QK_K, sizeof(block_q4_K), LLMBM_Q8_K, true),
    TRAITS(LLMBM_Q5_K, "q5_K", LLMBM_QK_K, sizeof(block_q5_K), LLMBM_Q8_K, true),
    TRAITS(LLMBM_Q6_K, "q6_K", LLMBM_QK_K, sizeof(block_q6_K), LLMBM_Q8_K, true),
    TRAITS(LLMBM_Q8_K, "q8_K", LLMBM_QK_K, sizeof(block_q8_K), LLMBM_Q8_K, false),
    TRAITS(LLMBM_BF16, "bf16", 1, 2, LLMBM_F32, true),
};

const llmbm_type_traits *llmbm_type_traits_of(llmbm_type type)
{
    if ((unsigned)type >= sizeof type_traits / sizeof type_traits[0])
        return NULL;
    const llmbm_type_traits *t = &type_traits[type];
    return t->name ? t : NULL;
}

size_t llmbm_row_bytes(llmbm_type type, uint64_t cols)
{
    const llmbm_type_traits *t = llmbm_type_traits_of(type);
    if (!t || cols == 0 || cols % t->block_size != 0)
        return 0;
    const uint64_t blocks = cols / t->block_size;
    /* blocks <= 2^64 / 1 and block_bytes <= 292: guard the product */
    if (blocks > (uint64_t)SIZE_MAX / t->block_bytes)
        return 0;
    return (size_t)(blocks * t->block_bytes);
}

size_t llmbm_act_bytes(llmbm_type weight_type, uint64_t cols)
{
    const llmbm_type_traits *t = llmbm_type_traits_of(weight_type);
    return t ? llmbm_row_bytes(t->vec_dot_type, cols) : 0;
}

void llmbm_q4_0p_from_q4_0(void *dst, const void *src, size_t nb)
{
    const block_q4_0 *b = src;
    uint8_t *scales = dst, *quants = (uint8_t *)dst + 2 * nb;
    for (size_t i = 0; i < nb; ++i) {
        __builtin_memcpy(scales + 2 * i, &b[i].d, 2);
        __builtin_memcpy(quants + 16 * i, b[i].qs, 16);
    }
}

void llmbm_q4_kx16_from_q4_k(void *dst, const void *src, size_t nb)
{
    const block_q4_K *rows = src;
    block_q4_Kx16 *out = dst;
    for (size_t i = 0; i < nb; ++i) {
        block_q4_Kx16 *o = &out[i];
        __builtin_memset(o, 0, sizeof *o);
        for (int r = 0; r < 16; ++r) {
            const block_q4_K *b = &rows[(size_t)r * nb + i];
            o->d[r] = b->d;
            o->dmin[r] = b->dmin;
            for (int j = 0; j < 8; ++j) {
                uint8_t sc, m;
                llmbm_k4_scale_min(j, b->scales, &sc, &m);
                o->sc_lo[j / 2][r] |= (uint8_t)((sc & 0xF) << (4 * (j % 2)));
                o->mn_lo[j / 2][r] |= (uint8_t)((m & 0xF) << (4 * (j % 2)));
                o->sc_hi[j / 4][r] |= (uint8_t)((sc >> 4) << (2 * (j % 4)));
                o->mn_hi[j / 4][r] |= (uint8_t)((m >> 4) << (2 * (j % 4)));
            }
            for (int c = 0; c < 4; ++c)
                for (int k = 0; k < 8; ++k)
                    __builtin_memcpy(o->qs[c][k][r], b->qs + 32 * c + 4 * k, 4);
        }
    }
}

void llmbm_q4_k_from_q4_kx16(block_q4_K *dst, const block_q4_Kx16 *src, int r)
{
    dst->d = src->d[r];
    dst->dmin = src->dmin[r];
    uint8_t sc[8], m[8];
    for (int j = 0; j < 8; ++j) {
        const int lo_shift = 4 * (j % 2), hi_shift = 2 * (j % 4);
        sc[j] = (uint8_t)(((src->sc_lo[j / 2][r] >> lo_shift) & 0xF) | (((src->sc_hi[j / 4][r] >> hi_shift) & 3) << 4));
        m[j] = (uint8_t)(((src->mn_lo[j / 2][r] >> lo_shift) & 0xF) | (((src->mn_hi[j / 4][r] >> hi_shift) & 3) << 4));
    }
    /* ggml's 12-byte packing (the inverse of llmbm_k4_scale_min) */
    for (int j = 0; j < 4; ++j) {
        dst->scales[j] = (uint8_t)(sc[j] | ((sc[j + 4] >> 4) << 6));
        dst->scales[j + 4] = (uint8_t)(m[j] | ((m[j + 4] >> 4) << 6));
        dst->scales[j + 8] = (uint8_t)((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
    }
    for (int c = 0; c < 4; ++c)
        for (int k = 0; k < 8; ++k)
            __builtin_memcpy(dst->qs + 32 * c + 4 * k, src->qs[c][k][r], 4);
}

void llmbm_q4_0x16_from_q4_0(void *dst, const void *src, size_t nb)
{
    const block_q4_0 *rows = src;
    block_q4_0x16 *out = dst;
    for (size_t i = 0; i < nb; ++i)
        for (int r = 0; r < 16; ++r) {
            const block_q4_0 *b = &rows[(size_t)r * nb + i];
            out[i].d[r] = b->d;
            for (int k = 0; k < 4; ++k)
                __builtin_memcpy(out[i].qs[k][r], b->qs + 4 * k, 4);
        }
}

void llmbm_q4_0_from_q4_0x16(block_q4_0 *dst, const block_q4_0x16 *src, int r)
{
    dst->d = src->d[r];
    for (int k = 0; k < 4; ++k)
        __builtin_memcpy(dst->qs + 4 * k, src->qs[k][r], 4);
}

llmbm_type llmbm_layout_base(llmbm_type layout)
{
    switch (layout) {
    case LLMBM_Q4_0P:
    case LLMBM_Q4_0X16: return LLMBM_Q4_0;
    case LLMBM_Q4_KX16: return LLMBM_Q4_K;
    case LLMBM_F32X16: return LLMBM_F32;
    default: return layout;
    }
}

size_t llmbm_relayout_scratch_bytes(llmbm_type layout, uint64_t cols)
{
    const llmbm_type_traits *t = llmbm_type_traits_of(layout);
    return t ? t->group_rows * llmbm_row_bytes(llmbm_layout_base(layout), cols) : 0;
}

/* 16 rows of n floats (src) -> F32x16 (dst): element j of row k at j * 16 + k. */
static void f32x16_from_f32(void *dst, const void *src, size_t n)
{
    const uint32_t *s = src; /* bit patterns: a NaN's payload survives too */
    uint32_t *d = dst;
    for (size_t j = 0; j < n; ++j)
        for (size_t k = 0; k < LLMBM_X16_ROWS; ++k)
            d[j * LLMBM_X16_ROWS + k] = s[k * n + j];
}

static void f32_from_f32x16(void *dst, const void *src, size_t n)
{
    const uint32_t *s = src;
    uint32_t *d = dst;
    for (size_t k = 0; k < LLMBM_X16_ROWS; ++k)
        for (size_t j = 0; j < n; ++j)
            d[k * n + j] = s[j * LLMBM_X16_ROWS + k];
}

void llmbm_relayout(void *data, size_t rows, uint64_t cols, llmbm_type layout, void *scratch)
{
    const size_t unit = llmbm_relayout_scratch_bytes(layout, cols), unit_rows = llmbm_type_traits_of(layout)->group_rows;
    const size_t nb = (size_t)cols / llmbm_type_traits_of(layout)->block_size;
    uint8_t *p = data;
    for (size_t r = 0; r + unit_rows <= rows; r += unit_rows, p += unit) {
        __builtin_memcpy(scratch, p, unit);
        if (layout == LLMBM_Q4_0P)
            llmbm_q4_0p_from_q4_0(p, scratch, nb);
        else if (layout == LLMBM_Q4_0X16)
            llmbm_q4_0x16_from_q4_0(p, scratch, nb);
        else if (layout == LLMBM_Q4_KX16)
            llmbm_q4_kx16_from_q4_k(p, scratch, nb);
        else if (layout == LLMBM_F32X16)
            f32x16_from_f32(p, scratch, nb);
    }
}

/* Q4_0P back to Q4_0: the inverse of llmbm_q4_0p_from_q4_0. */
static void q4_0_from_q4_0p(void *dst, const void *src, size_t nb)
{
    const uint8_t *scales = src, *quants = (const uint8_t *)src + 2 * nb;
    block_q4_0 *b = dst;
    for (size_t i = 0; i < nb; ++i) {
        __builtin_memcpy(&b[i].d, scales + 2 * i, 2);
        __builtin_memcpy(b[i].qs, quants + 16 * i, 16);
    }
}

void llmbm_relayout_back(void *data, size_t rows, uint64_t cols, llmbm_type layout, void *scratch)
{
    const size_t unit = llmbm_relayout_scratch_bytes(layout, cols), unit_rows = llmbm_type_traits_of(layout)->group_rows;
    const size_t nb = (size_t)cols / llmbm_type_traits_of(layout)->block_size;
    uint8_t *p = data;
    for (size_t r = 0; r + unit_rows <= rows; r += unit_rows, p += unit) {
        __builtin_memcpy(scratch, p, unit);
        if (layout == LLMBM_Q4_0P) {
            q4_0_from_q4_0p(p, scratch, nb);
        } else if (layout == LLMBM_Q4_0X16) {
            const block_q4_0x16 *g = scratch;
            block_q4_0 *out = (block_q4_0 *)p;
            for (size_t row = 0; row < unit_rows; ++row)
                for (size_t i = 0; i < nb; ++i)
                    llmbm_q4_0_from_q4_0x16(&out[row * nb + i], &g[i], (int)row);
        } else if (layout == LLMBM_Q4_KX16) {
            const block_q4_Kx16 *g = scratch;
            block_q4_K *out = (block_q4_K *)p;
            for (size_t row = 0; row < unit_rows; ++row)
                for (size_t i = 0; i < nb; ++i)
                    llmbm_q4_k_from_q4_kx16(&out[row * nb + i], &g[i], (int)row);
        } else if (layout == LLMBM_F32X16) {
            f32_from_f32x16(p, scratch, nb);
        }
    }
}
