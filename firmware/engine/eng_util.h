/* What the engine needs instead of libc: the runtime's byte, string and
 * formatting functions under the engine's names, overflow-checked size
 * arithmetic, and the error message buffer every fallible call fills. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_format.h"
#include "rt_string.h"

/* Every fallible engine call returns 0 on success, -1 on failure, and then
 * leaves a one-line, human-readable reason (naming the file) in err->msg. */
typedef struct llmbm_err {
    char msg[256];
} llmbm_err;

/* Formats into err->msg (truncating) and returns -1, so callers can write
 * `return llmbm_fail(err, "...", ...);`. err may be NULL. */
int llmbm_fail(llmbm_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The engine's spelling of the runtime's functions (firmware/rt), kept
 * because most engine files use it. Out-of-line calls, unlike rt_memcpy's
 * builtins, so a zero-length copy from NULL stays defined. */
static inline void eng_memcpy(void *dst, const void *src, size_t n) { rt_copy_bytes(dst, src, n); }
static inline void eng_memset(void *dst, int value, size_t n) { rt_fill_bytes(dst, value, n); }
static inline int eng_memcmp(const void *a, const void *b, size_t n) { return rt_compare_bytes(a, b, n); }
#define eng_strlen(s)                    rt_strlen(s)
#define eng_strnlen(s, max)              rt_strnlen(s, max)
#define eng_strcmp(a, b)                 rt_strcmp(a, b)
/* The runtime's formatter (rt_format.h lists its conversions): always
 * NUL-terminates when cap > 0; returns the untruncated length. */
#define eng_vsnprintf(buf, cap, fmt, ap) rt_vsnprintf(buf, cap, fmt, ap)
#define eng_snprintf(buf, cap, ...)      rt_snprintf(buf, cap, __VA_ARGS__)

/* Overflow-checked arithmetic for sizes read from files: false on overflow. */
static inline bool eng_mul_u64(uint64_t a, uint64_t b, uint64_t *out) { return !__builtin_mul_overflow(a, b, out); }
static inline bool eng_add_u64(uint64_t a, uint64_t b, uint64_t *out) { return !__builtin_add_overflow(a, b, out); }
