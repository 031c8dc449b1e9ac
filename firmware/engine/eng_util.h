/* Freestanding helpers the engine needs instead of libc: byte/string
 * functions, a small printf-style formatter, overflow-checked size
 * arithmetic, and the error message buffer every fallible call fills. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every fallible engine call returns 0 on success, -1 on failure, and then
 * leaves a one-line, human-readable reason (naming the file) in err->msg. */
typedef struct llmbm_err {
    char msg[256];
} llmbm_err;

/* Formats into err->msg (truncating) and returns -1, so callers can write
 * `return llmbm_fail(err, "...", ...);`. err may be NULL. */
int llmbm_fail(llmbm_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Not named memcpy & co.: the host has libc's and the EFI layer provides
 * its own copies for compiler-emitted calls. */
void eng_memcpy(void *dst, const void *src, size_t n);
void eng_memset(void *dst, int value, size_t n);
int eng_memcmp(const void *a, const void *b, size_t n);
size_t eng_strlen(const char *s);
size_t eng_strnlen(const char *s, size_t max);
int eng_strcmp(const char *a, const char *b);

/* snprintf subset: %% %s %c %d %i %u %x %X %p %f %e %g with flags '-', '0',
 * ' ', '+', width, precision (also '*'), and length modifiers hh h l ll z.
 * Always NUL-terminates when cap > 0; returns the untruncated length. */
int eng_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int eng_snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Overflow-checked arithmetic for sizes read from files: false on overflow. */
static inline bool eng_mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool eng_add_u64(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_add_overflow(a, b, out);
}
