/* The REPL's text output and string helpers: formatted output through
 * plat_write, and the runtime's string functions (firmware/rt) under the
 * names the REPL's files use. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_format.h"
#include "rt_string.h"

/* The runtime's formatter (rt_format.h lists its conversions), streamed to
 * plat_write in pieces of up to RT_FORMAT_CHUNK bytes. Padding counts
 * bytes, so keep padded fields ASCII. */
void txt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void txt_vprintf(const char *fmt, va_list ap);
/* Into buf[cap], always NUL-terminated; returns the length written (not,
 * like snprintf, the length the whole output would have had). */
size_t txt_snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void txt_puts(const char *s);

/* "12.3 MB" (1 MB = 1 MiB) for >= 1 MiB, else "N KB" rounded up. */
static inline void txt_size(char *buf, size_t cap, uint64_t bytes) { rt_format_size(buf, cap, bytes); }

static inline size_t txt_len(const char *s) { return rt_strlen(s); }
static inline bool txt_eq(const char *a, const char *b) { return rt_streq(a, b); }
static inline bool txt_eq_nocase(const char *a, const char *b) { return rt_streq_nocase(a, b); }
static inline bool txt_ends_with_nocase(const char *s, const char *suffix) { return rt_ends_with_nocase(s, suffix); }
static inline bool txt_starts_with(const char *s, const char *prefix) { return rt_starts_with(s, prefix); }
/* Parses a whole string as a decimal integer / number; false on junk. */
static inline bool txt_parse_u64(const char *s, uint64_t *out) { return rt_parse_u64(s, out); }
static inline bool txt_parse_float(const char *s, float *out) { return rt_parse_float(s, out); }
