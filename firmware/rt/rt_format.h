/* The one printf-style formatter of the freestanding runtime. Output goes
 * to a caller's write function in pieces (the REPL streams to its console,
 * snprintf fills a buffer); the engine, the REPL and the EFI layer each wrap
 * it for their own sink.
 *
 * Conversions: %d %i %u %x %X %c %s %p %% and %f %F %e %E %g %G; flags
 * '-' '0' '+' ' '; width and precision (digits or '*'); length modifiers
 * hh h l ll z. Output matches the C library's (glibc's where C leaves it
 * open: "(null)" for a NULL %s unless a precision below 6 cuts it to "",
 * "(nil)" for a NULL %p, "-nan"), floats digit for digit: they are
 * converted exactly and rounded half to even. Not supported: '#', %o %n
 * %a, j t L; an unknown conversion prints itself ("%q"). Widths and
 * precisions saturate at RT_FORMAT_MAX_WIDTH. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define RT_FORMAT_MAX_WIDTH 512

typedef void rt_write_fn(void *ctx, const char *bytes, size_t n);

/* Formats through write(ctx, ...); returns the number of bytes written. */
size_t rt_vformat(rt_write_fn *write, void *ctx, const char *fmt, va_list ap);

/* The same, gathered into pieces of RT_FORMAT_CHUNK bytes (the last one
 * shorter), for a sink that costs per call, like a console. */
#define RT_FORMAT_CHUNK 256
size_t rt_vformat_chunked(rt_write_fn *write, void *ctx, const char *fmt, va_list ap);

/* Into buf[cap], always NUL-terminated when cap > 0; returns the length
 * the whole output has (more than cap - 1 when it was cut), like C's. */
int rt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A byte count for people: "12.3 MB" (1 MB = 1 MiB) from 1 MiB up, else
 * "N KB" rounded up. */
void rt_format_size(char *buf, size_t cap, uint64_t bytes);
