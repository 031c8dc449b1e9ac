/* libFuzzer harness for the GGUF reader: any byte string must parse into a
 * consistent index or fail with a message, never crash or read out of
 * bounds. A file that parses is also queried, described and, if it has a
 * tokenizer, tokenized a little. */
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "vocab_gguf.h"

static void sink(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    (void)text;
    (void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gguf_file g;
    llmbm_err err;
    if (gguf_parse_memory(&g, data, size, "fuzz.gguf", &err) != 0) return 0;
    uint32_t u;
    float f;
    bool b;
    gguf_str s;
    gguf_array a;
    (void)gguf_get_u32(&g, "general.alignment", &u);
    (void)gguf_get_f32(&g, "llama.rope.freq_base", &f);
    (void)gguf_get_bool(&g, "tokenizer.ggml.add_bos_token", &b);
    (void)gguf_get_str(&g, "general.architecture", &s);
    if (gguf_get_array(&g, "tokenizer.ggml.tokens", GGUF_T_STRING, &a) == GGUF_OK && a.count)
        (void)gguf_array_str(&a, a.count - 1);
    for (uint64_t i = 0; i < g.n_tensors; i++) {
        const gguf_tensor *t = &g.tensors[i];
        /* the reader promised these */
        if (t->file_offset + t->n_bytes > g.file_size || t->file_offset < g.data_offset) __builtin_trap();
    }
    gguf_describe(&g, sink, NULL, 0);
    gguf_vocab v;
    if (gguf_vocab_load(&v, &g, &err) == 0) {
        static const char text[] = "Hello <|im_end|> world's 123 \xe2\x96\x81\xff";
        int32_t ids[64];
        size_t n;
        if (gguf_vocab_encode(&v, text, sizeof text - 1, true, true, ids, 64, &n, &err) == 0)
            for (size_t i = 0; i < n; i++) {
                char piece[32];
                (void)gguf_vocab_decode(&v, ids[i], true, piece, sizeof piece);
            }
        gguf_vocab_free(&v);
    }
    gguf_close(&g);
    return 0;
}
