/* Tokenizer pieces on a hand-built in-memory tokenizer.bin: loading from a
 * buffer, BPE merge order, byte fallback, decode rules, load errors. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tokenizer.h"

typedef struct entry {
    const char *piece;
    float score;
} entry;

static size_t build(unsigned char *buf, const entry *e, size_t n)
{
    size_t off = 0;
    int32_t max_len = 8;
    memcpy(buf, &max_len, 4), off += 4;
    for (size_t i = 0; i < n; i++) {
        int32_t len = (int32_t)strlen(e[i].piece);
        memcpy(buf + off, &e[i].score, 4), off += 4;
        memcpy(buf + off, &len, 4), off += 4;
        memcpy(buf + off, e[i].piece, (size_t)len), off += (size_t)len;
    }
    return off;
}

/* ids: 0..2 specials, 3..258 bytes, then pieces */
static entry vocab[300];
static size_t vocab_n;
static char byte_names[256][8];

static void make_vocab(void)
{
    vocab[0] = (entry){"<unk>", 0};
    vocab[1] = (entry){"\n<s>\n", 0};
    vocab[2] = (entry){"\n</s>\n", 0};
    for (int b = 0; b < 256; b++) {
        snprintf(byte_names[b], sizeof byte_names[b], "<0x%02X>", b);
        vocab[3 + b] = (entry){byte_names[b], 0};
    }
    const entry extra[] = {
        {" ", -1}, {"a", -2}, {"b", -3}, {"ab", -10}, {"ba", -5}, {" a", -20}, {"é", -4}, {"aba", -1}, {"c", -6},
    };
    vocab_n = 259;
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) vocab[vocab_n++] = extra[i];
}

static int id_of(const char *piece)
{
    for (size_t i = 0; i < vocab_n; i++)
        if (!strcmp(vocab[i].piece, piece)) return (int)i;
    return -1;
}

static void test_encode(const llmbm_tokenizer *t)
{
    int32_t ids[64];
    CHECK(llmbm_encode(t, "", true, true, ids) == 2 && ids[0] == 1 && ids[1] == 2);
    CHECK(llmbm_encode(t, "", false, false, ids) == 0);
    /* " ab": dummy prefix " " then a, b. Candidate merges: " a" (-20), "ab"
     * (-10): "ab" wins; then " "+"ab" is not in the vocabulary. */
    size_t n = llmbm_encode(t, "ab", false, false, ids);
    CHECK(n == 2 && ids[0] == id_of(" ") && ids[1] == id_of("ab"));
    /* "bab": " ", b, a, b -> "ba" (-5) beats "ab" (-10) -> " ", ba, b; then
     * no "bab"; ties would go leftmost. */
    n = llmbm_encode(t, "bab", false, false, ids);
    CHECK(n == 3 && ids[1] == id_of("ba") && ids[2] == id_of("b"));
    /* "aba": a,b,a -> "ba"(-5) vs "ab"(-10) -> a,ba -> "aba" (-1). */
    n = llmbm_encode(t, "aba", false, false, ids);
    CHECK(n == 2 && ids[1] == id_of("aba"));
    /* Unknown codepoints fall back to byte tokens; known ones stay whole. */
    n = llmbm_encode(t, "\xc3\xa9z", false, false, ids);
    CHECK(n == 3 && ids[1] == id_of("é") && ids[2] == 'z' + 3);
    n = llmbm_encode(t, "\xe2\x82\xac", false, false, ids); /* euro sign, not in vocab */
    CHECK(n == 4 && ids[1] == 0xe2 + 3 && ids[2] == 0x82 + 3 && ids[3] == 0xac + 3);
    n = llmbm_encode(t, "\x80\x80", false, false, ids); /* lone continuation bytes */
    CHECK(n == 3 && ids[1] == 0x80 + 3 && ids[2] == 0x80 + 3);
    CHECK(llmbm_encode_capacity(5) >= 8); /* GGUF byte fallback needs more (6 per byte) */
}

static void test_decode(const llmbm_tokenizer *t)
{
    int sp_a = id_of(" a");
    CHECK(!strcmp(llmbm_decode(t, 1, sp_a), "a"));  /* leading space dropped after BOS */
    CHECK(!strcmp(llmbm_decode(t, 5, sp_a), " a")); /* kept otherwise */
    CHECK(!strcmp(llmbm_decode(t, 5, 'A' + 3), "A"));
    CHECK(!strcmp(llmbm_decode(t, 5, 0x0A + 3), "\n"));
    CHECK(!strcmp(llmbm_decode(t, 5, 3), "")); /* <0x00> is an empty string */
    CHECK(!strcmp(llmbm_decode(t, 5, 99999), ""));
    CHECK(llmbm_piece_is_printable("a") && llmbm_piece_is_printable("\n") && llmbm_piece_is_printable("ab"));
    CHECK(!llmbm_piece_is_printable("") && !llmbm_piece_is_printable("\x01") && !llmbm_piece_is_printable("\xc3"));
}

static void test_load_errors(const unsigned char *buf, size_t size)
{
    llmbm_tokenizer t;
    llmbm_err err;
    CHECK(llmbm_tokenizer_load_buffer(&t, buf, size, (uint32_t)vocab_n + 1, "tok.bin", &err) == -1);
    CHECK_MSG(strstr(err.msg, "tok.bin") && strstr(err.msg, "vocab_size"), "%s", err.msg);
    CHECK(llmbm_tokenizer_load_buffer(&t, buf, size - 1, 0, "tok.bin", &err) == -1);
    CHECK_MSG(strstr(err.msg, "truncated"), "%s", err.msg);
    CHECK(llmbm_tokenizer_load_buffer(&t, buf, 2, 0, "tok.bin", &err) == -1);
}

int main(void)
{
    make_vocab();
    static unsigned char buf[1 << 14];
    size_t size = build(buf, vocab, vocab_n);
    llmbm_tokenizer t;
    llmbm_err err;
    if (llmbm_tokenizer_load_buffer(&t, buf, size, (uint32_t)vocab_n, "tok.bin", &err)) {
        fprintf(stderr, "load failed: %s\n", err.msg);
        return 1;
    }
    CHECK(t.vocab_size == vocab_n && t.max_token_length == 8);
    CHECK(llmbm_token_lookup(&t, "ab", 2) == id_of("ab") && llmbm_token_lookup(&t, "abc", 3) == -1);
    test_encode(&t);
    test_decode(&t);
    test_load_errors(buf, size);
    llmbm_tokenizer_free(&t);
    return CHECK_DONE();
}
