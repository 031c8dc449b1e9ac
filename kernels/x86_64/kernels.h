/* The kernel interface: every matrix-vector product and hot loop of the
 * forward pass goes through here, so SIMD variants can be swapped in per ISA
 * level without touching the transformer. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Weight types. Values are ggml's/GGUF's type ids, so a GGUF tensor's type
 * field maps directly; LLMBM_AK42_Q8 is llama2.c's v2 export (int8 values,
 * one f32 scale per group of group_size, scales stored after all values). */
typedef enum llmbm_type {
    LLMBM_F32 = 0,
    LLMBM_F16 = 1,
    LLMBM_Q4_0 = 2,
    /* Q4_0 rows re-laid out at load time (quant_formats.h); the id is
     * ggml's retired Q4_2, which no GGUF file can carry (the reader refuses
     * it), so it never comes from a file. */
    LLMBM_Q4_0P = 4,
    /* Q4_K matrices re-laid out at load time, 16 rows interleaved
     * (quant_formats.h); the id is ggml's retired Q4_3, also refused in
     * files. */
    LLMBM_Q4_KX16 = 5,
    /* Q4_0 matrices with 16 rows interleaved the same way; the id is one of
     * ggml's retired repacked Q4_0 types (Q4_0_4_4), refused in files. */
    LLMBM_Q4_0X16 = 31,
    /* F32 matrices with 16 rows interleaved (quant_formats.h), so a SIMD
     * lane sums one row in run.c's order from contiguous loads; the id is
     * ggml's retired Q4_0_4_8, refused in files. */
    LLMBM_F32X16 = 32,
    LLMBM_Q4_1 = 3,
    LLMBM_Q5_0 = 6,
    LLMBM_Q5_1 = 7,
    LLMBM_Q8_0 = 8,
    LLMBM_Q8_1 = 9,
    LLMBM_Q2_K = 10,
    LLMBM_Q3_K = 11,
    LLMBM_Q4_K = 12,
    LLMBM_Q5_K = 13,
    LLMBM_Q6_K = 14,
    LLMBM_Q8_K = 15,
    LLMBM_BF16 = 30,
    LLMBM_AK42_Q8 = 1000,
} llmbm_type;

/* A 2-D weight matrix, row-major: `rows` rows of `cols` elements (ggml: ne1
 * rows of ne0). `data` points at the first row as stored in the file; for
 * LLMBM_AK42_Q8 `data` holds rows*cols int8 values and `scales` the
 * rows*cols/group_size f32 scales. */
typedef struct llmbm_weight {
    llmbm_type type;
    uint32_t rows;
    uint32_t cols;
    const void *data;
    const float *scales;     /* LLMBM_AK42_Q8 only */
    uint32_t group_size;     /* LLMBM_AK42_Q8 only */
} llmbm_weight;
