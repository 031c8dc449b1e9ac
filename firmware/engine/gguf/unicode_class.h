/* Unicode classes for the BPE pre-tokenizers: \p{L}, \p{N}, \p{P}, \p{M},
 * \p{S} and White_Space,
 * plus UTF-8 decoding that never fails (invalid bytes become U+FFFD, one
 * byte each, as llama.cpp's unicode_cpts_from_utf8 does). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define GGUF_UCD_LETTER    1u
#define GGUF_UCD_NUMBER    2u
#define GGUF_UCD_SPACE     4u
#define GGUF_UCD_PUNCT     8u
#define GGUF_UCD_MARK      16u
#define GGUF_UCD_SYMBOL    32u
#define GGUF_UCD_FLAG_BITS 6u

/* From the generated unicode_tables.c. */
extern const char gguf_ucd_version[];
extern const uint32_t gguf_ucd_run_count;
extern const uint32_t gguf_ucd_runs[];

/* Class bits of a codepoint (0 for other characters and non-codepoints). */
static inline unsigned gguf_ucd_flags(uint32_t cp)
{
    if (cp > 0x10FFFF) return 0;
    /* last run starting at or before cp */
    uint32_t lo = 0, hi = gguf_ucd_run_count;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((gguf_ucd_runs[mid] >> GGUF_UCD_FLAG_BITS) <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return gguf_ucd_runs[lo] & ((1u << GGUF_UCD_FLAG_BITS) - 1);
}

/* Byte length of the UTF-8 sequence a lead byte announces (1 for
 * continuation and invalid bytes), as the SPM/BPE symbol splitters use it. */
static inline size_t gguf_utf8_len(uint8_t lead)
{
    static const uint8_t lens[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return lens[lead >> 4];
}

/* Decodes one codepoint at s[0, n) (n > 0); *used gets the bytes consumed.
 * Invalid or truncated sequences give U+FFFD for one byte. */
uint32_t gguf_utf8_decode(const uint8_t *s, size_t n, size_t *used);
/* Encodes cp (<= 0x10FFFF) into out[4]; returns the length. */
size_t gguf_utf8_encode(uint32_t cp, uint8_t out[4]);
