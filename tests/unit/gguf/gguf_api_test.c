/* Unit test of the GGUF reader's and vocab's C API on stories260K-f32.gguf:
 * typed getters (conversions, wrong types, missing keys), arrays, tensors,
 * describe, and the SentencePiece tokenizer against llama2.c's ids for the
 * same vocabulary (reference-outputs.md section 3). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "vocab_gguf.h"

static int failures;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                   \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

static bool str_is(gguf_str s, const char *t) { return s.len == strlen(t) && memcmp(s.ptr, t, s.len) == 0; }

static char described[1 << 16];
static size_t described_len;

static void collect(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    if (described_len + len < sizeof described) {
        memcpy(described + described_len, text, len);
        described_len += len;
    }
}

int main(void)
{
    const char *dir = getenv("LLMBM_TESTDATA");
    if (!dir || !*dir) dir = getenv("LLMBM_TESTDATA_DEFAULT");
    if (!dir || !*dir) {
        fprintf(stderr, "FAIL: set LLMBM_TESTDATA to the shared/testdata directory\n");
        return 1;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/stories260K-f32.gguf", dir);
    gguf_file g;
    llmbm_err err;
    if (gguf_open(&g, path, &err) != 0) {
        fprintf(stderr, "FAIL: %s\n", err.msg);
        return 1;
    }
    CHECK(g.version == 3 && g.n_tensors == 48 && g.n_kv == 19 && g.alignment == 32);

    uint32_t u;
    int32_t i;
    uint64_t u64;
    float f;
    bool b;
    gguf_str s;
    CHECK(gguf_get_u32(&g, "llama.context_length", &u) == GGUF_OK && u == 128);
    CHECK(gguf_get_i32(&g, "llama.block_count", &i) == GGUF_OK && i == 5);
    CHECK(gguf_get_f32(&g, "llama.attention.layer_norm_rms_epsilon", &f) == GGUF_OK && fabsf(f - 1e-5f) < 1e-9f);
    CHECK(gguf_get_u32(&g, "general.architecture", &u) == GGUF_WRONG_TYPE);
    CHECK(gguf_get_u32(&g, "llama.rope.freq_base", &u) == GGUF_MISSING);
    /* 0xffffffff does not fit an i32 but does a u64 */
    CHECK(gguf_get_i32(&g, "tokenizer.ggml.padding_token_id", &i) == GGUF_WRONG_TYPE);
    CHECK(gguf_get_u64(&g, "tokenizer.ggml.padding_token_id", &u64) == GGUF_OK && u64 == 0xffffffffu);
    CHECK(gguf_get_bool(&g, "llama.block_count", &b) == GGUF_WRONG_TYPE);
    CHECK(gguf_get_str(&g, "general.architecture", &s) == GGUF_OK && str_is(s, "llama"));
    CHECK(gguf_str_is(&g, "tokenizer.ggml.model", "llama"));

    gguf_array a;
    CHECK(gguf_get_array(&g, "tokenizer.ggml.tokens", GGUF_T_STRING, &a) == GGUF_OK && a.count == 512);
    CHECK(str_is(gguf_array_str(&a, 1), "<s>"));
    CHECK(gguf_get_array(&g, "tokenizer.ggml.tokens", GGUF_T_F32, &a) == GGUF_WRONG_TYPE);
    CHECK(gguf_get_array(&g, "tokenizer.ggml.token_type", GGUF_T_I32, &a) == GGUF_OK && gguf_array_i32(&a, 3) == 6);

    const gguf_tensor *t = gguf_find_tensor(&g, "token_embd.weight");
    CHECK(t && t->type == 0 && t->n_dims == 2 && t->ne[0] == 64 && t->ne[1] == 512 && t->n_bytes == 131072);
    CHECK(t && t->file_offset == g.data_offset + t->offset && t->file_offset % 32 == 0);
    CHECK(gguf_find_tensor(&g, "nope") == NULL);
    CHECK(strcmp(gguf_type_name(12), "q4_K") == 0 && strcmp(gguf_type_name(4), "?") == 0);

    gguf_describe(&g, collect, NULL, 0);
    described[described_len] = 0;
    CHECK(strstr(described, "GGUF v3") != NULL);
    CHECK(strstr(described, "tensor token_embd.weight: f32 [64, 512] 131072 bytes") != NULL);

    gguf_vocab v;
    CHECK(gguf_vocab_load(&v, &g, &err) == 0);
    int32_t ids[64];
    size_t n = 0;
    CHECK(gguf_vocab_encode(&v, "Once upon a time", 16, true, false, ids, 64, &n, &err) == 0);
    static const int32_t want[] = {1, 403, 407, 261, 378};
    CHECK(n == 5 && memcmp(ids, want, sizeof want) == 0);
    char piece[16];
    size_t k = gguf_vocab_decode(&v, 403, false, piece, sizeof piece);
    CHECK(k == 5 && memcmp(piece, " Once", 5) == 0);
    CHECK(gguf_vocab_decode(&v, 1, false, piece, sizeof piece) == 0); /* control */
    CHECK(gguf_vocab_is_eog(&v, 2) && !gguf_vocab_is_eog(&v, 1));
    /* too small an output buffer is an error, not an overflow */
    CHECK(gguf_vocab_encode(&v, "Once upon a time", 16, true, false, ids, 3, &n, &err) == -1);
    gguf_vocab_free(&v);

    /* memory parses name the file in their messages */
    gguf_file m;
    CHECK(gguf_parse_memory(&m, "GGUF\x03\0\0\0", 8, "mem.gguf", &err) == -1 &&
          strstr(err.msg, "mem.gguf: ") == err.msg);
    gguf_close(&g);

    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("gguf api: all checks passed\n");
    return 0;
}
