#include "tokenizer.h"

#include "tokenizer_gguf.h"

#include "platform.h"
#include "rt_string.h"

static uint32_t read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* piece (NUL-terminated) vs key[0..len), ordered like strcmp(piece, key). */
static int compare_key(const char *piece, const char *key, size_t len)
{
    const unsigned char *a = (const unsigned char *)piece, *b = (const unsigned char *)key;
    for (size_t i = 0; i < len; i++) {
        if (a[i] != b[i]) return (int)a[i] - (int)b[i];
        if (!a[i]) return 0; /* unreachable: keys hold no NUL */
    }
    return a[len] ? 1 : 0;
}

/* Total order: by piece, then by id, so duplicates resolve to the lowest id
 * whatever sort is used (llama2.c's qsort+bsearch leaves that unspecified). */
static bool sorted_before(const llmbm_tokenizer *t, uint32_t a, uint32_t b)
{
    int c = eng_strcmp(t->pieces[a], t->pieces[b]);
    return c < 0 || (c == 0 && a < b);
}

static void sift_down(const llmbm_tokenizer *t, uint32_t *v, size_t start, size_t n)
{
    size_t root = start;
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && sorted_before(t, v[child], v[child + 1])) child++;
        if (!sorted_before(t, v[root], v[child])) return;
        uint32_t tmp = v[root];
        v[root] = v[child];
        v[child] = tmp;
        root = child;
    }
}

static void sort_ids(const llmbm_tokenizer *t, uint32_t *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;) sift_down(t, v, i, n);
    for (size_t end = n; end-- > 1;) {
        uint32_t tmp = v[0];
        v[0] = v[end];
        v[end] = tmp;
        sift_down(t, v, 0, end);
    }
}

int32_t llmbm_token_lookup(const llmbm_tokenizer *t, const char *key, size_t len)
{
    if (t->kind != LLMBM_TOK_LLAMA2C) return llmbm_gguf_token_lookup(t, key, len);
    size_t lo = 0, hi = t->vocab_size; /* first index whose piece >= key */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (compare_key(t->pieces[t->sorted[mid]], key, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->vocab_size && compare_key(t->pieces[t->sorted[lo]], key, len) == 0) return (int32_t)t->sorted[lo];
    return -1;
}

int llmbm_tokenizer_load_buffer(llmbm_tokenizer *t, const void *data, size_t size, uint32_t expected_vocab,
                                const char *name, llmbm_err *err)
{
    const uint8_t *p = data;
    eng_memset(t, 0, sizeof *t);
    t->bos_id = LLMBM_TOKEN_BOS;
    t->eos_id = LLMBM_TOKEN_EOS;
    if (size >= 4 && !eng_memcmp(data, "GGUF", 4))
        return llmbm_fail(err, "%s: a GGUF file; load it with llmbm_tokenizer_from_gguf", name);
    if (size < 4) return llmbm_fail(err, "%s: truncated: too short for a tokenizer.bin header", name);
    uint32_t max_len = read_u32(p);
    if (max_len > 0x7fffffffu) return llmbm_fail(err, "%s: negative max_token_length", name);
    /* First pass: count the entries and their bytes. */
    size_t off = 4, count = 0, text_bytes = 0;
    while (off < size) {
        if (size - off < 8) return llmbm_fail(err, "%s: truncated inside the header of token %zu", name, count);
        uint32_t len = read_u32(p + off + 4);
        if (len > 0x7fffffffu) return llmbm_fail(err, "%s: token %zu has a negative length", name, count);
        if (len > size - off - 8)
            return llmbm_fail(err, "%s: truncated: token %zu claims %u bytes, %zu left", name, count, len,
                              size - off - 8);
        off += 8 + len;
        text_bytes += (size_t)len + 1;
        count++;
    }
    if (count < 3) return llmbm_fail(err, "%s: only %zu tokens; BOS=1 and EOS=2 must exist", name, count);
    if (count > (1u << 24)) return llmbm_fail(err, "%s: absurd vocabulary of %zu tokens", name, count);
    if (expected_vocab && count != expected_vocab)
        return llmbm_fail(err, "%s: tokenizer has %zu tokens but the model's vocab_size is %u", name, count,
                          expected_vocab);
    /* One arena: pieces[], scores[], sorted[], texts, merge buffer. */
    size_t n = count;
    size_t arena_bytes = n * (sizeof(char *) + sizeof(float) + sizeof(uint32_t)) + text_bytes;
    char *arena = plat_alloc(arena_bytes);
    if (!arena) return llmbm_fail(err, "%s: out of memory", name);
    t->arena = arena;
    t->pieces = (char **)arena;
    t->scores = (float *)(arena + n * sizeof(char *));
    t->sorted = (uint32_t *)(arena + n * (sizeof(char *) + sizeof(float)));
    char *text = arena + n * (sizeof(char *) + sizeof(float) + sizeof(uint32_t));
    t->vocab_size = (uint32_t)n;
    t->max_token_length = max_len;
    off = 4;
    size_t longest = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t score_bits = read_u32(p + off), len = read_u32(p + off + 4);
        rt_memcpy(&t->scores[i], &score_bits, 4);
        eng_memcpy(text, p + off + 8, len);
        text[len] = 0;
        t->pieces[i] = text;
        size_t effective = eng_strlen(text); /* a NUL inside ends the piece, as in C */
        if (effective > longest) longest = effective;
        text += len + 1;
        off += 8 + len;
        t->sorted[i] = (uint32_t)i;
    }
    t->longest_piece = (uint32_t)longest;
    t->merge_buf = plat_alloc(2 * longest + 8);
    if (!t->merge_buf) {
        llmbm_tokenizer_free(t);
        return llmbm_fail(err, "%s: out of memory", name);
    }
    for (int b = 0; b < 256; b++) t->bytes[2 * b] = (unsigned char)b, t->bytes[2 * b + 1] = 0;
    sort_ids(t, t->sorted, n);
    return 0;
}

int llmbm_tokenizer_load_open(llmbm_tokenizer *t, plat_file *f, uint64_t size, const char *path,
                              uint32_t expected_vocab, llmbm_err *err)
{
    eng_memset(t, 0, sizeof *t);
    char magic[4] = {0, 0, 0, 0};
    if (size >= 4 && plat_read(f, 0, magic, 4) && !eng_memcmp(magic, "GGUF", 4)) {
        gguf_file g;
        if (gguf_open_file(&g, f, size, path, err)) return -1;
        if (llmbm_tokenizer_from_gguf_file(t, &g, expected_vocab, path, err)) {
            gguf_close(&g);
            return -1;
        }
        return 0;
    }
    if (size > (1ull << 31)) return llmbm_fail(err, "%s: tokenizer file too large", path);
    void *buf = plat_alloc(size ? (size_t)size : 1);
    if (!buf) return llmbm_fail(err, "%s: out of memory", path);
    int rc = plat_read(f, 0, buf, (size_t)size)
                 ? llmbm_tokenizer_load_buffer(t, buf, (size_t)size, expected_vocab, path, err)
                 : llmbm_fail(err, "%s: read error", path);
    plat_free(buf);
    return rc;
}

int llmbm_tokenizer_load_file(llmbm_tokenizer *t, const char *path, uint32_t expected_vocab, llmbm_err *err)
{
    uint64_t size = 0;
    plat_file *f = plat_open(path, &size);
    if (!f) return llmbm_fail(err, "%s: cannot open tokenizer file", path);
    int rc = llmbm_tokenizer_load_open(t, f, size, path, expected_vocab, err);
    plat_close(f);
    return rc;
}

void llmbm_tokenizer_free(llmbm_tokenizer *t)
{
    if (t->gguf) llmbm_gguf_tok_free(t->gguf);
    if (t->arena) plat_free(t->arena);
    if (t->merge_buf) plat_free(t->merge_buf);
    eng_memset(t, 0, sizeof *t);
}

/* GGUF byte fallback can take up to 6 tokens per byte (gguf_vocab_max_tokens),
 * plus BOS and EOS; tokenizer.bin needs text_len + 3. */
size_t llmbm_encode_capacity(size_t text_len)
{
    return text_len > (SIZE_MAX - 16) / 6 / sizeof(int32_t) ? SIZE_MAX / sizeof(int32_t) : 6 * text_len + 8;
}

/* A raw byte as its <0xNN> token (id byte+3). A vocabulary too small to have
 * byte tokens gets <unk> (0) instead of an out-of-range id. */
static int32_t byte_token(const llmbm_tokenizer *t, unsigned char b)
{
    uint32_t id = (uint32_t)b + 3;
    return id < t->vocab_size ? (int32_t)id : 0;
}

bool llmbm_tokenizer_adds_bos(const llmbm_tokenizer *t)
{
    return t->kind == LLMBM_TOK_LLAMA2C || llmbm_gguf_adds_bos(t);
}

size_t llmbm_encode(const llmbm_tokenizer *t, const char *text, bool bos, bool eos, int32_t *tokens)
{
    if (t->kind != LLMBM_TOK_LLAMA2C) return llmbm_gguf_encode(t, text, bos, eos, tokens);
    size_t n = 0;
    if (bos) tokens[n++] = LLMBM_TOKEN_BOS;
    /* SentencePiece's add_dummy_prefix: a leading space before any text. */
    if (text[0] != 0) {
        int32_t sp = llmbm_token_lookup(t, " ", 1);
        tokens[n++] = sp >= 0 ? sp : byte_token(t, ' ');
    }
    /* One token per UTF-8 codepoint (up to 4 bytes), else one per byte. */
    char cp[5];
    size_t cp_len = 0;
    for (const char *c = text; *c; c++) {
        if ((*c & 0xC0) != 0x80) cp_len = 0;
        cp[cp_len++] = *c;
        if ((c[1] & 0xC0) == 0x80 && cp_len < 4) continue;
        int32_t id = llmbm_token_lookup(t, cp, cp_len);
        if (id >= 0)
            tokens[n++] = id;
        else
            for (size_t i = 0; i < cp_len; i++) tokens[n++] = byte_token(t, (unsigned char)cp[i]);
        cp_len = 0;
    }
    /* Merge the best-scoring adjacent pair (leftmost on ties) until none is
     * in the vocabulary. */
    for (;;) {
        float best_score = -1e10f;
        int32_t best_id = -1;
        size_t best_idx = 0;
        for (size_t i = 0; i + 1 < n; i++) {
            const char *a = t->pieces[tokens[i]], *b = t->pieces[tokens[i + 1]];
            size_t la = eng_strlen(a), lb = eng_strlen(b);
            eng_memcpy(t->merge_buf, a, la);
            eng_memcpy(t->merge_buf + la, b, lb);
            int32_t id = llmbm_token_lookup(t, t->merge_buf, la + lb);
            if (id >= 0 && t->scores[id] > best_score) {
                best_score = t->scores[id];
                best_id = id;
                best_idx = i;
            }
        }
        if (best_id < 0) break;
        tokens[best_idx] = best_id;
        for (size_t i = best_idx + 1; i + 1 < n; i++) tokens[i] = tokens[i + 1];
        n--;
    }
    if (eos) tokens[n++] = LLMBM_TOKEN_EOS;
    return n;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

const char *llmbm_decode(const llmbm_tokenizer *t, int32_t prev_token, int32_t token)
{
    if (t->kind != LLMBM_TOK_LLAMA2C) return llmbm_gguf_decode(t, prev_token, token);
    if (token < 0 || (uint32_t)token >= t->vocab_size) return "";
    const char *piece = t->pieces[token];
    if (prev_token == LLMBM_TOKEN_BOS && piece[0] == ' ') piece++;
    /* run.c: sscanf(piece, "<0x%02hhX>") -- one or two hex digits. */
    if (piece[0] == '<' && piece[1] == '0' && piece[2] == 'x') {
        int hi = hex_digit(piece[3]);
        if (hi >= 0) {
            int lo = hex_digit(piece[4]);
            int value = lo >= 0 ? hi * 16 + lo : hi;
            return (const char *)t->bytes + 2 * value;
        }
    }
    return piece;
}

bool llmbm_piece_is_printable(const char *piece)
{
    if (!piece || !piece[0]) return false;
    if (piece[1]) return true;
    unsigned char b = (unsigned char)piece[0];
    bool is_print = b >= 0x20 && b <= 0x7e;
    bool is_space = b == ' ' || (b >= '\t' && b <= '\r');
    return is_print || is_space;
}
