/* gguf-vocab-test: drives the GGUF tokenizers for tests/python/test_gguf_vocab.py.
 *
 *   gguf-vocab-test VOCAB.gguf --vectors INP
 *       INP holds inputs separated by "\n__ggml_vocab_test__\n" (llama.cpp's
 *       test-tokenizer-0 format); prints one line of ids per input, encoded
 *       without bos/eos and without parsing control tokens, as that test does.
 *   gguf-vocab-test VOCAB.gguf --roundtrip INP
 *       the same, each ids line followed by a "decoded: HEX" line.
 *   gguf-vocab-test VOCAB.gguf [--special] [--bos] TEXT
 *       prints the ids of TEXT, then "decoded: " and the hex of the
 *       concatenated token bytes.
 *   gguf-vocab-test VOCAB.gguf --info
 *       prints kind, bos/eos/eot/unk ids and flags.
 *   gguf-vocab-test --split PRE INP
 *       pre-tokenizes each input of INP (same separator) with the
 *       pre-tokenizer a tokenizer.ggml.pre value PRE names, and prints one
 *       line per input: the words' UTF-8 bytes in hex, space-separated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pretokenize.h"
#include "unicode_class.h"
#include "vocab_gguf.h"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int encode_print(const gguf_vocab *v, const char *text, size_t len, bool bos, bool special, bool decode)
{
    size_t cap = gguf_vocab_max_tokens(len), n;
    int32_t *ids = malloc(cap * sizeof *ids);
    llmbm_err err;
    if (gguf_vocab_encode(v, text, len, bos, special, ids, cap, &n, &err) != 0) {
        printf("error: %s\n", err.msg);
        free(ids);
        return 1;
    }
    for (size_t i = 0; i < n; i++) printf(" %d", ids[i]);
    printf("\n");
    if (decode) {
        printf("decoded: ");
        for (size_t i = 0; i < n; i++) {
            char piece[256];
            size_t k = gguf_vocab_decode(v, ids[i], special, piece, sizeof piece);
            for (size_t j = 0; j < k && j < sizeof piece; j++) printf("%02x", (unsigned char)piece[j]);
        }
        printf("\n");
    }
    free(ids);
    return 0;
}

static const char sep[] = "\n__ggml_vocab_test__\n";

/* Calls fn on each input of a test-tokenizer-0 style file. */
static int each_input(const char *path, int (*fn)(void *, const char *, size_t), void *ctx)
{
    size_t len;
    char *all = read_all(path, &len);
    if (!all) {
        printf("error: cannot read %s\n", path);
        return 1;
    }
    size_t pos = 0, sl = sizeof sep - 1;
    int rc = 0;
    while (pos < len && rc == 0) {
        size_t next = pos;
        while (next + sl <= len && memcmp(all + next, sep, sl) != 0) next++;
        if (next + sl > len) next = len;
        rc = fn(ctx, all + pos, next - pos);
        pos = next == len ? len : next + sl;
    }
    free(all);
    return rc;
}

static int split_one(void *ctx, const char *text, size_t len)
{
    gguf_pretok pre = *(const gguf_pretok *)ctx;
    uint32_t *cps = malloc((len + 1) * sizeof *cps), *ends = malloc((len + 1) * sizeof *ends);
    size_t n = 0;
    for (size_t off = 0; off < len; n++) {
        size_t used;
        cps[n] = gguf_utf8_decode((const uint8_t *)text + off, len - off, &used);
        off += used;
    }
    size_t words;
    if (gguf_pretokenize(pre, cps, n, ends, &words) != 0) {
        printf("error: out of memory\n");
        return 1;
    }
    for (size_t w = 0, start = 0; w < words; start = ends[w++]) {
        putchar(' ');
        for (size_t i = start; i < ends[w]; i++) {
            uint8_t u[4];
            size_t k = gguf_utf8_encode(cps[i], u);
            for (size_t j = 0; j < k; j++) printf("%02x", u[j]);
        }
    }
    putchar('\n');
    free(cps);
    free(ends);
    return 0;
}

static int vector_one(void *ctx, const char *text, size_t len)
{
    return encode_print(ctx, text, len, false, false, false);
}

static int roundtrip_one(void *ctx, const char *text, size_t len)
{
    return encode_print(ctx, text, len, false, false, true);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--split") == 0) {
        gguf_pretok pre;
        if (gguf_pretok_find(argv[2], strlen(argv[2]), &pre)) return each_input(argv[3], split_one, &pre);
        fprintf(stderr, "unknown pre-tokenizer %s\n", argv[2]);
        return 2;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: %s VOCAB.gguf (--vectors INP | --info | [--special] [--bos] TEXT)\n", argv[0]);
        return 2;
    }
    gguf_file g;
    gguf_vocab v;
    llmbm_err err;
    if (gguf_open(&g, argv[1], &err) != 0 || gguf_vocab_load(&v, &g, &err) != 0) {
        printf("error: %s\n", err.msg);
        return 1;
    }
    int rc = 0;
    if (strcmp(argv[2], "--info") == 0) {
        printf("kind %d pre %s n_tokens %u bos %d eos %d eot %d eom %d unk %d add_bos %d add_eos %d space_prefix %d\n",
               v.kind, v.kind == GGUF_VOCAB_BPE ? v.pre_name : "-", v.n_tokens, v.bos, v.eos, v.eot, v.eom, v.unk,
               v.add_bos, v.add_eos, v.add_space_prefix);
    } else if (strcmp(argv[2], "--vectors") == 0 && argc == 4) {
        rc = each_input(argv[3], vector_one, &v);
    } else if (strcmp(argv[2], "--roundtrip") == 0 && argc == 4) {
        rc = each_input(argv[3], roundtrip_one, &v);
    } else {
        bool special = false, bos = false;
        int i = 2;
        for (; i < argc - 1; i++) {
            if (strcmp(argv[i], "--special") == 0)
                special = true;
            else if (strcmp(argv[i], "--bos") == 0)
                bos = true;
        }
        rc = encode_print(&v, argv[argc - 1], strlen(argv[argc - 1]), bos, special, true);
    }
    gguf_vocab_free(&v);
    gguf_close(&g);
    return rc;
}
