/* UTF-8 decoding and encoding with llama.cpp's error behaviour. */
#include "unicode_class.h"

uint32_t gguf_utf8_decode(const uint8_t *s, size_t n, size_t *used)
{
    uint8_t c = s[0];
    size_t len = c < 0x80          ? 1
                 : (c & 0x40) == 0 ? 0
                 : (c & 0x20) == 0 ? 2
                 : (c & 0x10) == 0 ? 3
                 : (c & 0x08) == 0 ? 4
                                   : 0;
    /* like unicode_cpt_from_utf8, only the lead and continuation bit
     * patterns are checked (no overlong or surrogate checks) */
    if (len == 0 || len > n) goto invalid;
    if (len == 1) {
        *used = 1;
        return c;
    }
    uint32_t cp = c & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) goto invalid;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    *used = len;
    return cp;
invalid:
    *used = 1;
    return 0xFFFD;
}

size_t gguf_utf8_encode(uint32_t cp, uint8_t out[4])
{
    if (cp > 0x10FFFF) cp = 0xFFFD;
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}
