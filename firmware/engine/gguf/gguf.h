/* A strict GGUF v2/v3 reader.
 *
 * gguf_open reads the file's header region (magic, counts, every metadata
 * value, every tensor info) through the platform's ranged reads into one
 * buffer, validates it completely, and indexes it: keys, strings and string
 * arrays are offsets into that buffer, so a 150k-token vocabulary costs one
 * u32 per string on top of the bytes of the file. Tensor data is not read;
 * the caller does that (one plat_read of [data_offset, file_size) into one
 * allocation is the intended path) using the validated offsets and sizes.
 *
 * Every failure returns -1 with a one-line message naming the file and what
 * was wrong where (which key, which tensor, which offset). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_util.h"
#include "platform.h"

/* Metadata value types, numbered as in the file. */
typedef enum gguf_vtype {
    GGUF_T_U8 = 0,
    GGUF_T_I8 = 1,
    GGUF_T_U16 = 2,
    GGUF_T_I16 = 3,
    GGUF_T_U32 = 4,
    GGUF_T_I32 = 5,
    GGUF_T_F32 = 6,
    GGUF_T_BOOL = 7,
    GGUF_T_STRING = 8,
    GGUF_T_ARRAY = 9,
    GGUF_T_U64 = 10,
    GGUF_T_I64 = 11,
    GGUF_T_F64 = 12,
    GGUF_T_COUNT
} gguf_vtype;

#define GGUF_MAX_DIMS          4
#define GGUF_DEFAULT_ALIGNMENT 32u

/* A string inside the metadata buffer: not NUL-terminated, may hold any
 * bytes (token texts are not necessarily valid UTF-8). */
typedef struct gguf_str {
    const char *ptr;
    uint64_t len;
} gguf_str;

typedef struct gguf_kv {
    gguf_str key;
    gguf_vtype type;
    /* Arrays: element type and count. Scalars: elem_type == type, count 1. */
    gguf_vtype elem_type;
    uint64_t count;
    /* Offset in the metadata buffer of the value (scalars, strings: the
     * u64 length prefix) or of the first array element. */
    uint64_t value_off;
    /* Arrays of strings: offset of each element's length prefix. */
    uint32_t *str_offs;
} gguf_kv;

typedef struct gguf_tensor {
    gguf_str name;
    uint32_t n_dims;
    uint64_t ne[GGUF_MAX_DIMS]; /* innermost first; absent dims are 1 */
    uint32_t type;              /* ggml type id (llmbm_type values) */
    uint64_t offset;            /* relative to the data section */
    uint64_t file_offset;       /* absolute: data_offset + offset */
    uint64_t n_elements;
    uint64_t n_bytes;
} gguf_tensor;

typedef struct gguf_file {
    char path[128];  /* for messages (truncated) */
    plat_file *file; /* open until gguf_close; NULL for memory parses */
    uint64_t file_size;
    uint32_t version;
    uint32_t alignment;
    uint64_t data_offset; /* start of the tensor data section */
    uint64_t n_kv;
    gguf_kv *kvs;
    uint64_t n_tensors;
    gguf_tensor *tensors;
    uint8_t *meta; /* the file's bytes [0, meta_len) */
    uint64_t meta_len;
} gguf_file;

/* Opens and validates `path`. On failure everything is freed and g zeroed. */
int gguf_open(gguf_file *g, const char *path, llmbm_err *err);
/* The same over a file the caller opened (size: its size) and keeps: g->file
 * stays NULL, so gguf_close does not close it. `name` is used in messages. */
int gguf_open_file(gguf_file *g, plat_file *f, uint64_t size, const char *name, llmbm_err *err);
/* Same checks over a file image held in memory (tests, fuzzing); `name`
 * is used in messages. The bytes are copied. */
int gguf_parse_memory(gguf_file *g, const void *data, size_t size, const char *name, llmbm_err *err);
void gguf_close(gguf_file *g);

/* ---- metadata ---------------------------------------------------------- */

typedef enum gguf_status {
    GGUF_OK = 0,
    GGUF_MISSING = 1,    /* no such key */
    GGUF_WRONG_TYPE = 2, /* key present with another type (or out of range) */
} gguf_status;

const char *gguf_vtype_name(gguf_vtype t);
/* Index of `key`, or -1. */
int64_t gguf_find_key(const gguf_file *g, const char *key);
const gguf_kv *gguf_kv_at(const gguf_file *g, uint64_t index);
const gguf_kv *gguf_get_kv(const gguf_file *g, const char *key);

/* Integer getters accept any integer type whose value fits; f32 accepts
 * F32 and F64; bool and string are exact. Nothing is written on error. */
gguf_status gguf_get_u32(const gguf_file *g, const char *key, uint32_t *out);
gguf_status gguf_get_i32(const gguf_file *g, const char *key, int32_t *out);
gguf_status gguf_get_u64(const gguf_file *g, const char *key, uint64_t *out);
gguf_status gguf_get_f32(const gguf_file *g, const char *key, float *out);
gguf_status gguf_get_bool(const gguf_file *g, const char *key, bool *out);
gguf_status gguf_get_str(const gguf_file *g, const char *key, gguf_str *out);
/* True if the key is a string equal to `text`. */
bool gguf_str_is(const gguf_file *g, const char *key, const char *text);

/* An array value. Numeric elements are packed little-endian and may be
 * unaligned: read them with the accessors below. */
typedef struct gguf_array {
    const gguf_file *g;
    const gguf_kv *kv;
    gguf_vtype type;
    uint64_t count;
    const uint8_t *data; /* first element */
} gguf_array;

/* elem_type GGUF_T_COUNT accepts any element type. */
gguf_status gguf_get_array(const gguf_file *g, const char *key, gguf_vtype elem_type, gguf_array *out);
gguf_str gguf_array_str(const gguf_array *a, uint64_t i);
float gguf_array_f32(const gguf_array *a, uint64_t i);
int32_t gguf_array_i32(const gguf_array *a, uint64_t i);
uint32_t gguf_array_u32(const gguf_array *a, uint64_t i);

/* Scalar value accessors for a kv of known type (used by describe/dumps). */
uint64_t gguf_kv_u64(const gguf_file *g, const gguf_kv *kv); /* U*, BOOL */
int64_t gguf_kv_i64(const gguf_file *g, const gguf_kv *kv);  /* I* */
double gguf_kv_f64(const gguf_file *g, const gguf_kv *kv);   /* F32, F64 */
gguf_str gguf_kv_str(const gguf_file *g, const gguf_kv *kv); /* STRING */

/* ---- tensors ----------------------------------------------------------- */

const gguf_tensor *gguf_find_tensor(const gguf_file *g, const char *name);

/* The ggml type table: name, elements per block, bytes per block. Knows
 * every type id ggml has assigned (not only those the engine computes
 * with); false for unknown or retired ids. */
bool gguf_type_info(uint32_t type, const char **name, uint32_t *block_size, uint32_t *block_bytes);
const char *gguf_type_name(uint32_t type); /* "?" if unknown */

/* ---- summary ----------------------------------------------------------- */

typedef void (*gguf_write_fn)(void *ctx, const char *text, size_t len);
/* Version, every key with its type and a short value, every tensor with
 * type, shape and offset; `max_tensors` limits the tensor lines (0: all). */
void gguf_describe(const gguf_file *g, gguf_write_fn write, void *ctx, uint64_t max_tensors);
