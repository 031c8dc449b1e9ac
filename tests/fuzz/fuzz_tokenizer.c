/* libFuzzer harness: the first byte picks how many of the following bytes
 * are text to encode; the rest is a tokenizer.bin image. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t text_len = data[0] % 64;
    if (text_len > size - 1) text_len = size - 1;
    char text[65];
    memcpy(text, data + 1, text_len);
    text[text_len] = 0;
    const uint8_t *tok_data = data + 1 + text_len;
    size_t tok_size = size - 1 - text_len;
    llmbm_tokenizer tok;
    llmbm_err err;
    if (llmbm_tokenizer_load_buffer(&tok, tok_data, tok_size, 0, "fuzz.bin", &err)) {
        if (!strstr(err.msg, "fuzz.bin")) __builtin_trap();
        return 0;
    }
    int32_t *ids = malloc(llmbm_encode_capacity(strlen(text)) * sizeof *ids);
    if (!ids) abort();
    size_t n = llmbm_encode(&tok, text, true, true, ids);
    if (n > llmbm_encode_capacity(strlen(text))) __builtin_trap();
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || (uint32_t)ids[i] >= tok.vocab_size) __builtin_trap();
        const char *piece = llmbm_decode(&tok, i ? ids[i - 1] : 0, ids[i]);
        (void)llmbm_piece_is_printable(piece);
        (void)llmbm_token_lookup(&tok, piece, strlen(piece));
    }
    free(ids);
    llmbm_tokenizer_free(&tok);
    return 0;
}
