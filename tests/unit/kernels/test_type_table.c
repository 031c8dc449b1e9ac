/* The type table (kernels/x86_64/type_table.def) as C expands it, and the
 * layout decision read from the generated tables:
 * - every id the enum names has traits, named and sized as the table says,
 *   layouts with their base's geometry and activation, file types their own;
 * - every layout converts any unit of its base's rows and back to the same
 *   bytes, in place, leaving a partial trailing group as it was;
 * - llmbm_kernels_matrix_layout gives, at every level, for every file type
 *   and row count, what comparing the level's matvec_rows pointers with the
 *   scalar level's gave before the decision moved into the table: the
 *   interleaved layout where a level above scalar computes it and the rows
 *   fill its groups, else the type's layout of single rows, else the type. */
#include <string.h>

#include "kernel_check.h"
#include "kernels_api.h"

static void test_traits(void)
{
    unsigned named = 0;
    for (unsigned id = 0; id < LLMBM_TYPE_COUNT; ++id) {
        const llmbm_type_traits *t = llmbm_type_traits_of((llmbm_type)id);
        if (!t) continue;
        ++named;
        CHECK(t->name && t->block_size > 0 && t->block_bytes > 0, "id %u: empty entry", id);
        const size_t row = t->has_kernels ? 4 * t->block_bytes : 0; /* 0: no kernel takes it */
        CHECK(llmbm_row_bytes((llmbm_type)id, 4 * t->block_size) == row, "%s row bytes", t->name);
        CHECK(llmbm_row_bytes((llmbm_type)id, t->block_size + 1) == 0 || t->block_size == 1, "%s partial block",
              t->name);
        if (t->in_files) {
            CHECK(t->base == (llmbm_type)id && t->group_rows == 1, "%s: a file type is its own base", t->name);
        } else {
            const llmbm_type_traits *b = llmbm_type_traits_of(t->base);
            CHECK(b && b->in_files && b->is_weight, "%s: base is not a file weight type", t->name);
            CHECK(b && b->block_size == t->block_size && b->block_bytes == t->block_bytes &&
                      b->vec_dot_type == t->vec_dot_type,
                  "%s: not its base's geometry and activation", t->name);
            CHECK(t->is_weight, "%s: a layout is a weight", t->name);
        }
        if (t->is_weight)
            CHECK(llmbm_type_traits_of(t->vec_dot_type) != NULL, "%s: activation not in the table", t->name);
        for (unsigned other = 0; other < id; ++other) {
            const llmbm_type_traits *o = llmbm_type_traits_of((llmbm_type)other);
            CHECK(!o || strcmp(o->name, t->name) != 0, "%s named twice", t->name);
        }
    }
    CHECK(named >= 30, "only %u types in the table", named);
    CHECK(llmbm_type_traits_of(LLMBM_TYPE_COUNT) == NULL && llmbm_type_traits_of(LLMBM_AK42_Q8) == NULL,
          "ids outside the table have traits");
    CHECK(llmbm_type_traits_of(33) == NULL, "a retired id has traits");
    /* the facts the engine relies on, as the table states them */
    CHECK(llmbm_type_traits_of(LLMBM_Q4_K)->vec_dot_type == LLMBM_Q8_K, "q4_K pairs with q8_K");
    CHECK(llmbm_type_traits_of(LLMBM_IQ2_XXS)->vec_dot_type == LLMBM_TYPE_COUNT &&
              !llmbm_type_traits_of(LLMBM_IQ2_XXS)->is_weight && !llmbm_type_traits_of(LLMBM_IQ2_XXS)->has_kernels,
          "iq2_xxs is file-only");
    CHECK(llmbm_row_layout(LLMBM_Q4_0) == LLMBM_Q4_0P && llmbm_row_layout(LLMBM_Q4_K) == LLMBM_Q4_K, "row layouts");
    CHECK(llmbm_act_bytes(LLMBM_IQ2_XXS, 256) == 0, "a file-only type has no activation");
}

/* Every layout: 2 groups plus a partial one of random base rows, in place
 * and back. */
static void test_relayout_round_trip(void)
{
    enum { COLS = 512, MAX_ROWS = 40 };
    static uint8_t rows[MAX_ROWS * COLS * 4], data[MAX_ROWS * COLS * 4], scratch[16 * COLS * 4];
    for (unsigned id = 0; id < LLMBM_TYPE_COUNT; ++id) {
        const llmbm_type_traits *t = llmbm_type_traits_of((llmbm_type)id);
        if (!t || t->in_files) continue;
        const size_t n_rows = 2 * t->group_rows + (t->group_rows > 1 ? t->group_rows / 2 : 0);
        const size_t bytes = n_rows * llmbm_row_bytes(t->base, COLS);
        CHECK(n_rows <= MAX_ROWS && bytes <= sizeof rows, "%s: test buffer too small", t->name);
        for (size_t i = 0; i < bytes; ++i) rows[i] = (uint8_t)rng();
        CHECK(llmbm_relayout_scratch_bytes((llmbm_type)id, COLS) <= sizeof scratch, "%s scratch", t->name);
        memcpy(data, rows, bytes);
        llmbm_relayout(data, n_rows, COLS, (llmbm_type)id, scratch);
        const size_t whole = n_rows / t->group_rows * t->group_rows * llmbm_row_bytes(t->base, COLS);
        CHECK(memcmp(data, rows, whole) != 0, "%s: relayout changed nothing", t->name);
        CHECK(memcmp(data + whole, rows + whole, bytes - whole) == 0, "%s: partial group touched", t->name);
        llmbm_relayout_back(data, n_rows, COLS, (llmbm_type)id, scratch);
        CHECK(memcmp(data, rows, bytes) == 0, "%s: relayout back is not the rows", t->name);
    }
}

/* The decision as model_layout.c took it before: by function pointers. */
static llmbm_type pointer_rule(const llmbm_kernel_table *k, llmbm_type file_type, uint32_t rows)
{
    const llmbm_kernel_table *scalar = llmbm_kernels_select(LLMBM_ISA_SCALAR);
    llmbm_type single = file_type;
    for (unsigned id = 0; id < LLMBM_TYPE_COUNT; ++id) {
        const llmbm_type_traits *t = llmbm_type_traits_of((llmbm_type)id);
        if (t && !t->in_files && t->base == file_type && t->group_rows == 1 &&
            llmbm_kernel_matvec_rows(k, (llmbm_type)id))
            single = (llmbm_type)id;
    }
    for (unsigned id = 0; id < LLMBM_TYPE_COUNT; ++id) {
        const llmbm_type_traits *t = llmbm_type_traits_of((llmbm_type)id);
        if (t && !t->in_files && t->base == file_type && t->group_rows > 1 && rows % t->group_rows == 0 &&
            llmbm_kernel_matvec_rows(k, (llmbm_type)id) &&
            llmbm_kernel_matvec_rows(k, (llmbm_type)id) != llmbm_kernel_matvec_rows(scalar, (llmbm_type)id))
            return (llmbm_type)id;
    }
    return single;
}

static void test_layout_decision(void)
{
    static const uint32_t row_counts[] = {1, 16, 24, 32, 48, 83};
    for (int l = 0; l < LLMBM_ISA_COUNT; ++l) {
        const llmbm_kernel_table *k = llmbm_kernels_select((llmbm_isa_level)l);
        for (unsigned id = 0; id < LLMBM_TYPE_COUNT; ++id) {
            const llmbm_type_traits *t = llmbm_type_traits_of((llmbm_type)id);
            if (!t || !t->in_files) continue;
            for (size_t r = 0; r < sizeof row_counts / sizeof row_counts[0]; ++r) {
                const llmbm_type got = llmbm_kernels_matrix_layout(k, (llmbm_type)id, row_counts[r]);
                const llmbm_type want = pointer_rule(k, (llmbm_type)id, row_counts[r]);
                CHECK(got == want, "%s: %s with %u rows: %s, the pointer rule says %s", k->name, t->name, row_counts[r],
                      llmbm_type_traits_of(got)->name, llmbm_type_traits_of(want)->name);
            }
        }
        CHECK(llmbm_kernels_matrix_layout(k, LLMBM_AK42_Q8, 32) == LLMBM_AK42_Q8, "%s: ak42_q8", k->name);
    }
    /* what the engine's users see, stated plainly */
    const llmbm_kernel_table *scalar = llmbm_kernels_select(LLMBM_ISA_SCALAR);
    CHECK(llmbm_kernels_matrix_layout(scalar, LLMBM_Q4_0, 32) == LLMBM_Q4_0P, "scalar q4_0");
    CHECK(llmbm_kernels_matrix_layout(scalar, LLMBM_Q4_K, 32) == LLMBM_Q4_K, "scalar q4_K");
    CHECK(llmbm_kernels_matrix_layout(scalar, LLMBM_F32, 32) == LLMBM_F32, "scalar f32");
    const llmbm_kernel_table *avx2 = llmbm_kernels_select(LLMBM_ISA_AVX2);
    CHECK(llmbm_kernels_matrix_layout(avx2, LLMBM_Q4_K, 32) == LLMBM_Q4_KX16, "avx2 q4_K, 32 rows");
    CHECK(llmbm_kernels_matrix_layout(avx2, LLMBM_Q4_K, 24) == LLMBM_Q4_K, "avx2 q4_K, 24 rows");
    CHECK(llmbm_kernels_matrix_layout(avx2, LLMBM_Q4_0, 24) == LLMBM_Q4_0P, "avx2 q4_0, 24 rows");
}

int main(void)
{
    test_traits();
    test_relayout_round_trip();
    test_layout_decision();
    if (failures)
        fprintf(stderr, "%d failures\n", failures);
    else
        printf("type table: ok\n");
    return failures != 0;
}
