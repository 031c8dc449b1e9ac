/* Shared between the GGUF parser and its query functions. */
#pragma once

#include "gguf.h"
#include "rt_string.h"

static inline uint32_t gguf_rd_u32(const uint8_t *b)
{
    uint32_t v;
    rt_memcpy(&v, b, 4); /* the file is little-endian, as is x86_64 */
    return v;
}

static inline uint64_t gguf_rd_u64(const uint8_t *b)
{
    uint64_t v;
    rt_memcpy(&v, b, 8);
    return v;
}

/* Bytes of one scalar value; 0 for STRING/ARRAY. */
uint64_t gguf_vtype_size(gguf_vtype t);

/* Rejects duplicate keys and duplicate tensor names (O(n) with a hash). */
int gguf_check_unique(const gguf_file *g, llmbm_err *err);

/* FNV-1a over a byte range: shared by the duplicate checks. */
static inline uint32_t gguf_hash(const void *data, uint64_t len, uint32_t h)
{
    const uint8_t *b = data;
    for (uint64_t i = 0; i < len; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}
#define GGUF_HASH_SEED 2166136261u
