/* The per-type table every kernel level, the GGUF reader and the engine
 * share, expanded from type_table.def: block geometry, the activation
 * format each weight type's dot product pairs with (ggml's vec_dot_type),
 * and the in-memory layouts with their conversions. */
#include "quant_formats.h"

/* The table itself, from type_table.def. File-only types pair with no
 * activation (LLMBM_TYPE_COUNT is no type); a layout has its base's
 * geometry and activation. */
#define FILE_TRAITS(id, NAME, nm, bs, bb, act, weight, kernels)                                                        \
    [id] = {.name = nm,                                                                                                \
            .block_size = bs,                                                                                          \
            .block_bytes = bb,                                                                                         \
            .vec_dot_type = act,                                                                                       \
            .is_weight = weight,                                                                                       \
            .has_kernels = kernels,                                                                                    \
            .in_files = true,                                                                                          \
            .base = LLMBM_##NAME,                                                                                      \
            .group_rows = 1},
#define LLMBM_WEIGHT_TYPE(id, NAME, nm, bs, bb, ACT) FILE_TRAITS(id, NAME, nm, bs, bb, LLMBM_##ACT, true, true)
#define LLMBM_ACT_TYPE(id, NAME, nm, bs, bb)         FILE_TRAITS(id, NAME, nm, bs, bb, LLMBM_##NAME, false, true)
#define LLMBM_FILE_TYPE(id, NAME, nm, bs, bb)        FILE_TRAITS(id, NAME, nm, bs, bb, LLMBM_TYPE_COUNT, false, false)
#define LLMBM_LAYOUT(id, NAME, nm, BASE, rows)                                                                         \
    [id] = {.name = nm,                                                                                                \
            .block_size = LLMBM_BLOCK_SIZE_##BASE,                                                                     \
            .block_bytes = LLMBM_BLOCK_BYTES_##BASE,                                                                   \
            .vec_dot_type = (llmbm_type)LLMBM_ACT_OF_##BASE,                                                           \
            .is_weight = true,                                                                                         \
            .has_kernels = true,                                                                                       \
            .in_files = false,                                                                                         \
            .base = LLMBM_##BASE,                                                                                      \
            .group_rows = rows},
static const llmbm_type_traits type_traits[] = {
#include "type_table.def"
};
#undef FILE_TRAITS

_Static_assert(sizeof type_traits / sizeof type_traits[0] == LLMBM_TYPE_COUNT,
               "type_table.def must list its entries in increasing id order");

/* The interleaved kernels are written for LLMBM_X16_ROWS rows per group. */
#define LLMBM_LAYOUT(id, NAME, nm, BASE, rows)                                                                         \
    _Static_assert((rows) == 1 || (rows) == LLMBM_X16_ROWS, nm ": group_rows must be 1 or LLMBM_X16_ROWS");
#include "type_table.def"

const llmbm_type_traits *llmbm_type_traits_of(llmbm_type type)
{
    if ((unsigned)type >= sizeof type_traits / sizeof type_traits[0]) return NULL;
    const llmbm_type_traits *t = &type_traits[type];
    return t->name ? t : NULL;
}

llmbm_type llmbm_row_layout(llmbm_type type)
{
    for (unsigned id = 0; id < LLMBM_TYPE_COUNT; ++id) {
        const llmbm_type_traits *t = &type_traits[id];
        if (t->name && !t->in_files && t->base == type && t->group_rows == 1) return (llmbm_type)id;
    }
    return type;
}

size_t llmbm_row_bytes(llmbm_type type, uint64_t cols)
{
    const llmbm_type_traits *t = llmbm_type_traits_of(type);
    if (!t || !t->has_kernels || cols == 0 || cols % t->block_size != 0) return 0;
    const uint64_t blocks = cols / t->block_size;
    /* blocks <= 2^64 / 1 and block_bytes <= 292: guard the product */
    if (blocks > (uint64_t)SIZE_MAX / t->block_bytes) return 0;
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
                for (int k = 0; k < 8; ++k) __builtin_memcpy(o->qs[c][k][r], b->qs + 32 * c + 4 * k, 4);
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
        for (int k = 0; k < 8; ++k) __builtin_memcpy(dst->qs + 32 * c + 4 * k, src->qs[c][k][r], 4);
}

void llmbm_q4_0x16_from_q4_0(void *dst, const void *src, size_t nb)
{
    const block_q4_0 *rows = src;
    block_q4_0x16 *out = dst;
    for (size_t i = 0; i < nb; ++i)
        for (int r = 0; r < 16; ++r) {
            const block_q4_0 *b = &rows[(size_t)r * nb + i];
            out[i].d[r] = b->d;
            for (int k = 0; k < 4; ++k) __builtin_memcpy(out[i].qs[k][r], b->qs + 4 * k, 4);
        }
}

void llmbm_q4_0_from_q4_0x16(block_q4_0 *dst, const block_q4_0x16 *src, int r)
{
    dst->d = src->d[r];
    for (int k = 0; k < 4; ++k) __builtin_memcpy(dst->qs + 4 * k, src->qs[k][r], 4);
}

llmbm_type llmbm_layout_base(llmbm_type layout)
{
    const llmbm_type_traits *t = llmbm_type_traits_of(layout);
    return t ? t->base : layout;
}

size_t llmbm_relayout_scratch_bytes(llmbm_type layout, uint64_t cols)
{
    const llmbm_type_traits *t = llmbm_type_traits_of(layout);
    return t ? t->group_rows * llmbm_row_bytes(llmbm_layout_base(layout), cols) : 0;
}

/* ---- the conversions of each layout (type_table.def's LLMBM_LAYOUT) -------
 * relayout_NAME writes one unit (a row, or a group of group_rows rows) of
 * the base type at `src`, nb blocks per row, as the layout at `dst`;
 * relayout_back_NAME is its inverse. The two never overlap. */
typedef void relayout_unit_fn(void *dst, const void *src, size_t nb);

static void relayout_Q4_0P(void *dst, const void *src, size_t nb) { llmbm_q4_0p_from_q4_0(dst, src, nb); }

static void relayout_back_Q4_0P(void *dst, const void *src, size_t nb)
{
    const uint8_t *scales = src, *quants = (const uint8_t *)src + 2 * nb;
    block_q4_0 *b = dst;
    for (size_t i = 0; i < nb; ++i) {
        __builtin_memcpy(&b[i].d, scales + 2 * i, 2);
        __builtin_memcpy(b[i].qs, quants + 16 * i, 16);
    }
}

static void relayout_Q4_0X16(void *dst, const void *src, size_t nb) { llmbm_q4_0x16_from_q4_0(dst, src, nb); }

static void relayout_back_Q4_0X16(void *dst, const void *src, size_t nb)
{
    const block_q4_0x16 *g = src;
    block_q4_0 *out = dst;
    for (size_t row = 0; row < LLMBM_X16_ROWS; ++row)
        for (size_t i = 0; i < nb; ++i) llmbm_q4_0_from_q4_0x16(&out[row * nb + i], &g[i], (int)row);
}

static void relayout_Q4_KX16(void *dst, const void *src, size_t nb) { llmbm_q4_kx16_from_q4_k(dst, src, nb); }

static void relayout_back_Q4_KX16(void *dst, const void *src, size_t nb)
{
    const block_q4_Kx16 *g = src;
    block_q4_K *out = dst;
    for (size_t row = 0; row < LLMBM_X16_ROWS; ++row)
        for (size_t i = 0; i < nb; ++i) llmbm_q4_k_from_q4_kx16(&out[row * nb + i], &g[i], (int)row);
}

/* 16 rows of n floats -> F32x16: element j of row k at j * 16 + k. Bit
 * patterns, so a NaN's payload survives too. */
static void relayout_F32X16(void *dst, const void *src, size_t n)
{
    const uint32_t *s = src;
    uint32_t *d = dst;
    for (size_t j = 0; j < n; ++j)
        for (size_t k = 0; k < LLMBM_X16_ROWS; ++k) d[j * LLMBM_X16_ROWS + k] = s[k * n + j];
}

static void relayout_back_F32X16(void *dst, const void *src, size_t n)
{
    const uint32_t *s = src;
    uint32_t *d = dst;
    for (size_t k = 0; k < LLMBM_X16_ROWS; ++k)
        for (size_t j = 0; j < n; ++j) d[k * n + j] = s[j * LLMBM_X16_ROWS + k];
}

static const struct {
    relayout_unit_fn *to, *back;
} relayouts[LLMBM_TYPE_COUNT] = {
#define LLMBM_LAYOUT(id, NAME, nm, BASE, rows) [id] = {relayout_##NAME, relayout_back_##NAME},
#include "type_table.def"
};

/* Each unit of `rows` rows at `data` copied to `scratch`, then converted
 * back into place; nothing for a type that is not a layout. */
static void convert_units(void *data, size_t rows, uint64_t cols, llmbm_type layout, void *scratch, bool back)
{
    const llmbm_type_traits *t = llmbm_type_traits_of(layout);
    if (!t || t->in_files) return;
    relayout_unit_fn *convert = back ? relayouts[layout].back : relayouts[layout].to;
    const size_t unit = llmbm_relayout_scratch_bytes(layout, cols), nb = (size_t)cols / t->block_size;
    uint8_t *p = data;
    for (size_t r = 0; r + t->group_rows <= rows; r += t->group_rows, p += unit) {
        __builtin_memcpy(scratch, p, unit);
        convert(p, scratch, nb);
    }
}

void llmbm_relayout(void *data, size_t rows, uint64_t cols, llmbm_type layout, void *scratch)
{
    convert_units(data, rows, cols, layout, scratch, false);
}

void llmbm_relayout_back(void *data, size_t rows, uint64_t cols, llmbm_type layout, void *scratch)
{
    convert_units(data, rows, cols, layout, scratch, true);
}
