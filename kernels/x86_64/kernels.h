/* The kernel interface: every matrix-vector product and hot loop of the
 * forward pass goes through here, so SIMD variants can be swapped in per ISA
 * level without touching the transformer. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* llmbm_type: the weight types (ids and names in kernels/x86_64/type_table.def). */
#include "type_table.h"

/* A 2-D weight matrix, row-major: `rows` rows of `cols` elements (ggml: ne1
 * rows of ne0). `data` points at the first row as stored in the file; for
 * LLMBM_AK42_Q8 `data` holds rows*cols int8 values and `scales` the
 * rows*cols/group_size f32 scales. */
typedef struct llmbm_weight {
    llmbm_type type;
    uint32_t rows;
    uint32_t cols;
    const void *data;
    const float *scales; /* LLMBM_AK42_Q8 only */
    uint32_t group_size; /* LLMBM_AK42_Q8 only */
} llmbm_weight;
