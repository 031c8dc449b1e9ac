/* A raw deflate (RFC 1951) decoder for the embedded font.
 *
 * The font is compressed at build time by Python's zlib (llmbm_build.font);
 * deflate rather than a home-made scheme because zlib is everywhere, its
 * output is the same on every build, and it halves the CJK glyphs where run
 * lengths gain nothing. Pure C, no allocation: host unit tests check it
 * against zlib's own output. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes in[0, in_len) into out[0, out_cap). True when the stream is valid,
 * ends inside the input and fills exactly *out_len <= out_cap bytes; false
 * on any malformed or truncated stream, or one that would overflow out. */
bool inflate_raw(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len);
