/* The freestanding runtime's memory and string functions: the one spelling
 * the engine, the REPL and the EFI layer use (no libc headers anywhere in
 * firmware/, so nothing else declares these). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The memory functions expand to the compiler's builtins, so a copy of a
 * known small size (a bit cast, a 4-byte field) is inlined; any other
 * becomes a call to memcpy & co., which the host's libc provides and
 * rt_string.c defines in freestanding builds. */
#define rt_memcpy(dst, src, n)   __builtin_memcpy((dst), (src), (n))
#define rt_memmove(dst, src, n)  __builtin_memmove((dst), (src), (n))
#define rt_memset(dst, value, n) __builtin_memset((dst), (value), (n))
#define rt_memcmp(a, b, n)       __builtin_memcmp((a), (b), (n))

/* The out-of-line implementations behind memcpy/memmove/memset/memcmp in
 * freestanding builds, under their own names so host tests can call them
 * next to libc's. Same contracts as the C standard's functions. */
void *rt_copy_bytes(void *restrict dst, const void *restrict src, size_t n);
void *rt_move_bytes(void *dst, const void *src, size_t n);
void *rt_fill_bytes(void *dst, int value, size_t n);
int rt_compare_bytes(const void *a, const void *b, size_t n);

size_t rt_strlen(const char *s);
size_t rt_strnlen(const char *s, size_t max);
/* src into dst[cap] (cap > 0), cut to cap - 1 bytes and always terminated. */
void rt_copy_string(char *dst, size_t cap, const char *src);
/* Byte-wise (unsigned char) comparison, like strcmp. */
int rt_strcmp(const char *a, const char *b);
bool rt_streq(const char *a, const char *b);
/* ASCII case folding only: these compare keywords and file suffixes. */
bool rt_streq_nocase(const char *a, const char *b);
bool rt_starts_with(const char *s, const char *prefix);
bool rt_ends_with_nocase(const char *s, const char *suffix);

/* A whole string as a decimal integer / number; false on junk or overflow. */
bool rt_parse_u64(const char *s, uint64_t *out);
bool rt_parse_float(const char *s, float *out);
