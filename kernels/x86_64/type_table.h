/* The weight type ids and per-type constants, expanded from type_table.def
 * (the one place a type's facts are written). Freestanding. */
#pragma once

/* Values are ggml's/GGUF's type ids, so a GGUF tensor's type field maps
 * directly; the in-memory layouts (LLMBM_LAYOUT entries) take ids ggml
 * retired, which no GGUF file can carry. LLMBM_AK42_Q8 is llama2.c's v2
 * export (int8 values, one f32 scale per group of group_size, scales stored
 * after all values): not a ggml type, outside the table. */
typedef enum llmbm_type {
#define LLMBM_WEIGHT_TYPE(id, NAME, name, block_size, block_bytes, ACT) LLMBM_##NAME = id,
#define LLMBM_ACT_TYPE(id, NAME, name, block_size, block_bytes)         LLMBM_##NAME = id,
#define LLMBM_FILE_TYPE(id, NAME, name, block_size, block_bytes)        LLMBM_##NAME = id,
#define LLMBM_LAYOUT(id, NAME, name, BASE, group_rows)                  LLMBM_##NAME = id,
#include "type_table.def"
    /* one past the last (highest) id: the size of every per-type array
     * (quant_formats.c checks that the .def is in id order) */
    LLMBM_TYPE_COUNT,
    LLMBM_AK42_Q8 = 1000,
} llmbm_type;

/* LLMBM_BLOCK_SIZE_<NAME>, LLMBM_BLOCK_BYTES_<NAME> of every file type, and
 * LLMBM_ACT_OF_<NAME> of every weight type: what the layouts inherit and
 * the block structs of quant_formats.h are checked against. */
enum {
#define LLMBM_WEIGHT_TYPE(id, NAME, name, block_size, block_bytes, ACT)                                                \
    LLMBM_BLOCK_SIZE_##NAME = block_size, LLMBM_BLOCK_BYTES_##NAME = block_bytes, LLMBM_ACT_OF_##NAME = LLMBM_##ACT,
#define LLMBM_ACT_TYPE(id, NAME, name, block_size, block_bytes)                                                        \
    LLMBM_BLOCK_SIZE_##NAME = block_size, LLMBM_BLOCK_BYTES_##NAME = block_bytes,
#define LLMBM_FILE_TYPE(id, NAME, name, block_size, block_bytes)                                                       \
    LLMBM_BLOCK_SIZE_##NAME = block_size, LLMBM_BLOCK_BYTES_##NAME = block_bytes,
#include "type_table.def"
};
