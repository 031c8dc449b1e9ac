/* Freestanding text helpers: formatted output through plat_write and the
 * few string functions the REPL needs (there is no libc). */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* printf subset: %s %c %d %u %x %% with l/ll/z length, '-' and a width
 * (padding counts bytes, so keep padded fields ASCII). */
void txt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void txt_vprintf(const char *fmt, va_list ap);
/* Same, into buf[cap], always NUL-terminated; returns the length written. */
size_t txt_snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void txt_puts(const char *s);

/* "12.3 MB" (1 MB = 1 MiB) for >= 1 MiB, else "N KB" rounded up. */
void txt_size(char *buf, size_t cap, uint64_t bytes);

size_t txt_len(const char *s);
bool txt_eq(const char *a, const char *b);
bool txt_eq_nocase(const char *a, const char *b);
bool txt_ends_with_nocase(const char *s, const char *suffix);
bool txt_starts_with(const char *s, const char *prefix);
/* Parses a whole string as a decimal integer / number; false on junk. */
bool txt_parse_u64(const char *s, uint64_t *out);
bool txt_parse_float(const char *s, float *out);
