/* The one list of what the AVX-512 bodies define. Both AVX-512 levels
 * (avx512, avx512vnni) compile the same bodies (vec_dot_avx512_*.h,
 * matmul_avx512_*.h) once each, so the list is X-macros over (kind, type,
 * level): the level headers declare from it (kernels_avx512.h,
 * kernels_avx512vnni.h, matmul_kernels.h), the level files define from it
 * (vec_dot_avx512_level.h, matmul_avx512_level.h), and a level states only
 * its name and whether it has VNNI. A kind names the body's entry-point
 * macro. Plain C (kernel_dispatch.c includes it); manifest.toml lists the same
 * kernels for each AVX-512 level, which test_kernel_dispatch checks. */
#pragma once

#include "kernel_types.h"

/* The lists keep their hand layout (clang-format reflows X-macro lists differently on each pass). */
// clang-format off
/* vec_dot + matvec_rows (kinds DOT, ROWS: LLMBM_<kind>_ENTRY_POINTS of
 * row_entry_points.h) or matvec_rows alone (X16: vec_dot_avx512_x16.h). */
#define LLMBM_AVX512_ROW_KERNELS(X, level)                                                              \
    X(DOT, f16, level) X(ROWS, q8_0, level) X(ROWS, q4_0, level) X(ROWS, q4_0p, level)                   \
    X(ROWS, q4_K, level) X(DOT, q6_K, level) X(DOT, bf16, level) X(ROWS, q4_1, level)                    \
    X(ROWS, q5_0, level) X(ROWS, q5_1, level) X(ROWS, q2_K, level) X(DOT, q3_K, level)                   \
    X(ROWS, q5_K, level) X(X16, q4_Kx16, level) X(X16, q4_0x16, level)

/* matmul_rows (LLMBM_<kind>_MATMUL_ENTRY_POINTS of matmul_avx512_*.h). */
#define LLMBM_AVX512_MATMUL_KERNELS(X, level)                                                           \
    X(X16, q4_0x16, level) X(X16, q4_Kx16, level) X(Q8_0, q8_0, level) X(F16, f16, level)                \
    X(ROW, q6_K, level) X(Q45, q4_1, level) X(Q45, q5_0, level) X(Q45, q5_1, level)

// clang-format on

#define LLMBM_AVX512_DECLARE_DOT(t, level)                                                                             \
    llmbm_vec_dot_kernel LLMBM_KSYM(vec_dot, t, level);                                                                \
    llmbm_matvec_rows_kernel LLMBM_KSYM(matvec_rows, t, level);
#define LLMBM_AVX512_DECLARE_ROWS(t, level)                LLMBM_AVX512_DECLARE_DOT(t, level)
#define LLMBM_AVX512_DECLARE_X16(t, level)                 llmbm_matvec_rows_kernel LLMBM_KSYM(matvec_rows, t, level);
#define LLMBM_AVX512_DECLARE_ROW_KERNEL(kind, t, level)    LLMBM_AVX512_DECLARE_##kind(t, level)
#define LLMBM_AVX512_DECLARE_MATMUL_KERNEL(kind, t, level) llmbm_matmul_rows_kernel LLMBM_KSYM(matmul_rows, t, level);
