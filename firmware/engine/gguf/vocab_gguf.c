/* Loading a tokenizer from GGUF metadata, special-token partitioning, and
 * the encode/decode entry points. The per-fragment algorithms live in
 * tokenizer_spm.c and tokenizer_bpe.c. */
#include "vocab_gguf.h"

#include "gguf_internal.h"
#include "pretokenize.h"
#include "unicode_class.h"
#include "vocab_internal.h"

static bool bytes_eq(gguf_str s, const uint8_t *t, size_t n) { return s.len == n && rt_memcmp(s.ptr, t, n) == 0; }

static bool cstr_eq(gguf_str s, const char *t) { return bytes_eq(s, (const uint8_t *)t, eng_strlen(t)); }

gguf_str gguf_vocab_text(const gguf_vocab *v, int32_t id)
{
    gguf_str none = {"", 0};
    return id >= 0 && (uint32_t)id < v->n_tokens ? gguf_array_str(&v->tokens, (uint64_t)id) : none;
}

int32_t vocab_lookup(const gguf_vocab *v, const uint8_t *text, size_t len)
{
    for (uint32_t h = gguf_hash(text, len, GGUF_HASH_SEED) & v->tok_mask; v->tok_slots[h]; h = (h + 1) & v->tok_mask) {
        int32_t id = (int32_t)v->tok_slots[h] - 1;
        if (bytes_eq(gguf_vocab_text(v, id), text, len)) return id;
    }
    return -1;
}

int32_t gguf_vocab_find(const gguf_vocab *v, const char *text, size_t len)
{
    return vocab_lookup(v, (const uint8_t *)text, len);
}

/* llama.cpp splits each merge at its first space after position 0 and keys
 * the pair; matching "l r" against the whole merge text is the same as
 * long as l has no space after its first byte, which is checked. */
int32_t vocab_merge_rank(const gguf_vocab *v, const uint8_t *l, size_t ll, const uint8_t *r, size_t rl)
{
    if (!v->merge_slots || ll == 0) return -1;
    for (size_t i = 1; i < ll; i++)
        if (l[i] == ' ') return -1;
    uint32_t h = gguf_hash(r, rl, gguf_hash(" ", 1, gguf_hash(l, ll, GGUF_HASH_SEED)));
    for (h &= v->merge_mask; v->merge_slots[h]; h = (h + 1) & v->merge_mask) {
        uint32_t rank = v->merge_slots[h] - 1;
        gguf_str m = gguf_array_str(&v->merges, rank);
        if (m.len == ll + 1 + rl && rt_memcmp(m.ptr, l, ll) == 0 && m.ptr[ll] == ' ' &&
            rt_memcmp(m.ptr + ll + 1, r, rl) == 0)
            return (int32_t)rank;
    }
    return -1;
}

/* A table of 2^k slots, at least twice n. */
static uint32_t *new_slots(uint64_t n, uint32_t *mask)
{
    uint64_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    *mask = (uint32_t)(cap - 1);
    return plat_alloc(cap * sizeof(uint32_t));
}

static int32_t opt_id(const gguf_file *g, const char *key, int32_t dflt, uint32_t n_tokens)
{
    uint32_t id;
    /* like llama.cpp, an out-of-range id (e.g. 0xffffffff for "none")
     * keeps the default */
    if (gguf_get_u32(g, key, &id) == GGUF_OK && id < n_tokens) return (int32_t)id;
    return dflt;
}

static const char *const eog_texts[] = {"<|eot_id|>", "<|im_end|>", "<|end|>",      "<end_of_turn>",
                                        "<EOT>",      "<|eom_id|>", "<|endoftext|>"};

bool gguf_vocab_is_eog(const gguf_vocab *v, int32_t id)
{
    if (id < 0 || (uint32_t)id >= v->n_tokens) return false;
    if (id == v->eos || id == v->eot || id == v->eom) return true;
    gguf_str t = gguf_vocab_text(v, id);
    for (size_t i = 0; i < sizeof eog_texts / sizeof eog_texts[0]; i++)
        if (cstr_eq(t, eog_texts[i])) return true;
    return false;
}

/* Heap sort of the special ids: longest text first, then lowest id. */
static bool special_before(const gguf_vocab *v, uint32_t a, uint32_t b)
{
    uint64_t la = gguf_vocab_text(v, (int32_t)a).len, lb = gguf_vocab_text(v, (int32_t)b).len;
    return la != lb ? la > lb : a < b;
}

static void sift(const gguf_vocab *v, uint32_t *x, uint32_t root, uint32_t n)
{
    for (;;) {
        uint32_t c = 2 * root + 1;
        if (c >= n) return;
        if (c + 1 < n && special_before(v, x[c], x[c + 1])) c++;
        if (!special_before(v, x[root], x[c])) return;
        uint32_t t = x[root];
        x[root] = x[c];
        x[c] = t;
        root = c;
    }
}

static void sort_special(const gguf_vocab *v, uint32_t *x, uint32_t n)
{
    /* max-heap on "comes later", so the array ends up in order */
    for (uint32_t i = n / 2; i-- > 0;) sift(v, x, i, n);
    for (uint32_t end = n; end-- > 1;) {
        uint32_t t = x[0];
        x[0] = x[end];
        x[end] = t;
        sift(v, x, 0, end);
    }
}

static int load_fail(gguf_vocab *v, llmbm_err *err, const gguf_file *g, const char *what)
{
    gguf_vocab_free(v);
    return llmbm_fail(err, "%s: tokenizer: %s", g->path, what);
}

static void find_byte_tokens(gguf_vocab *v)
{
    static const char hex[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; b++) {
        int32_t id = -1;
        if (v->kind == GGUF_VOCAB_SPM) {
            const uint8_t name[6] = {'<', '0', 'x', (uint8_t)hex[b >> 4], (uint8_t)hex[b & 15], '>'};
            id = vocab_lookup(v, name, 6);
            if (id < 0) { /* llama.cpp falls back to the byte itself as a string */
                const uint8_t c = (uint8_t)b;
                id = vocab_lookup(v, &c, 1);
            }
        } else {
            uint8_t u[4];
            size_t n = gguf_utf8_encode(bpe_byte_to_cp((uint8_t)b), u);
            id = vocab_lookup(v, u, n);
        }
        v->byte_token[b] = id;
    }
}

static bool contains_ci(gguf_str s, const char *needle)
{
    size_t n = eng_strlen(needle);
    for (uint64_t i = 0; i + n <= s.len; i++) {
        size_t k = 0;
        while (k < n && (s.ptr[i + k] | (s.ptr[i + k] >= 'A' && s.ptr[i + k] <= 'Z' ? 0x20 : 0)) == needle[k]) k++;
        if (k == n) return true;
    }
    return false;
}

static void set_strip(gguf_vocab *v, const char *text, bool on)
{
    int32_t id = vocab_lookup(v, (const uint8_t *)text, eng_strlen(text));
    if (id >= 0) v->strip[id] = on ? GGUF_STRIP_RIGHT : 0;
}

/* llama.cpp's per-model token attributes (GGUF does not store them): a
 * Phi-3 special token eats the whitespace after it, except these three. */
static void set_strip_flags(gguf_vocab *v, const gguf_file *g)
{
    gguf_str name = {"", 0};
    gguf_get_str(g, "general.name", &name);
    if (!contains_ci(name, "phi-3") && !contains_ci(name, "phi3")) return;
    for (uint32_t i = 0; i < v->n_special; i++) v->strip[v->special[i]] = GGUF_STRIP_RIGHT;
    set_strip(v, "</s>", true);
    set_strip(v, "<unk>", false);
    set_strip(v, "<s>", false);
    set_strip(v, "<|endoftext|>", false);
}

/* BPE: the pre-tokenizer tokenizer.ggml.pre names, and the settings
 * llama.cpp ties to it. A name the engine lacks is an error: another
 * family's split would give wrong tokens without a word. */
static int load_pretok(gguf_vocab *v, const gguf_file *g, llmbm_err *err)
{
    gguf_str pre = {"", 0};
    if (gguf_get_str(g, "tokenizer.ggml.pre", &pre) == GGUF_WRONG_TYPE)
        return load_fail(v, err, g, "tokenizer.ggml.pre is not a string");
    /* like llama.cpp, a file without the key gets its "default" regexes */
    if (pre.len == 0) pre = (gguf_str){"default", 7};
    v->pre_name = gguf_pretok_find(pre.ptr, pre.len, &v->pre);
    if (!v->pre_name) {
        gguf_vocab_free(v);
        return llmbm_fail(err, "%s: tokenizer.ggml.pre '%.*s' is not a pre-tokenizer this engine implements", g->path,
                          (int)(pre.len > 60 ? 60 : pre.len), pre.ptr);
    }
    uint8_t flags = gguf_pretok_defs[v->pre].flags;
    v->ignore_merges = flags & GGUF_PRETOK_IGNORE_MERGES;
    v->add_bos = flags & GGUF_PRETOK_ADD_BOS;
    return 0;
}

int gguf_vocab_load(gguf_vocab *v, const gguf_file *g, llmbm_err *err)
{
    rt_memset(v, 0, sizeof *v);
    gguf_str model;
    if (gguf_get_str(g, "tokenizer.ggml.model", &model) != GGUF_OK)
        return load_fail(v, err, g, "tokenizer.ggml.model is missing (or not a string)");
    if (cstr_eq(model, "llama"))
        v->kind = GGUF_VOCAB_SPM;
    else if (cstr_eq(model, "gpt2"))
        v->kind = GGUF_VOCAB_BPE;
    else
        return llmbm_fail(err, "%s: tokenizer model '%.*s' is not supported (supported: llama, gpt2)", g->path,
                          (int)(model.len > 40 ? 40 : model.len), model.ptr);
    if (gguf_get_array(g, "tokenizer.ggml.tokens", GGUF_T_STRING, &v->tokens) != GGUF_OK)
        return load_fail(v, err, g, "tokenizer.ggml.tokens is missing (or not an array of strings)");
    if (v->tokens.count == 0 || v->tokens.count > INT32_MAX)
        return load_fail(v, err, g, "tokenizer.ggml.tokens has no tokens (or too many)");
    v->n_tokens = (uint32_t)v->tokens.count;
    gguf_status s = gguf_get_array(g, "tokenizer.ggml.scores", GGUF_T_F32, &v->scores);
    if (s == GGUF_WRONG_TYPE || (s == GGUF_OK && v->scores.count != v->n_tokens))
        return load_fail(v, err, g, "tokenizer.ggml.scores is not an f32 array with one score per token");
    if (s == GGUF_MISSING) v->scores.count = 0;
    gguf_array types;
    s = gguf_get_array(g, "tokenizer.ggml.token_type", GGUF_T_COUNT, &types);
    if (s == GGUF_OK && ((types.type != GGUF_T_I32 && types.type != GGUF_T_U32) || types.count != v->n_tokens))
        return load_fail(v, err, g, "tokenizer.ggml.token_type is not an i32 array with one type per token");
    v->token_type = plat_alloc(v->n_tokens);
    v->strip = plat_alloc(v->n_tokens);
    v->tok_slots = new_slots(v->n_tokens, &v->tok_mask);
    if (!v->token_type || !v->strip || !v->tok_slots) return load_fail(v, err, g, "out of memory");
    for (uint32_t i = 0; i < v->n_tokens; i++) {
        int32_t t = s == GGUF_OK ? gguf_array_i32(&types, i) : GGUF_TOKEN_NORMAL;
        v->token_type[i] = (uint8_t)(t >= GGUF_TOKEN_NORMAL && t <= GGUF_TOKEN_BYTE ? t : GGUF_TOKEN_UNDEFINED);
        /* last id wins for duplicate texts, like llama.cpp's token_to_id */
        gguf_str text = gguf_array_str(&v->tokens, i);
        uint32_t h = gguf_hash(text.ptr, text.len, GGUF_HASH_SEED) & v->tok_mask;
        while (v->tok_slots[h] &&
               !bytes_eq(gguf_vocab_text(v, (int32_t)v->tok_slots[h] - 1), (const uint8_t *)text.ptr, text.len))
            h = (h + 1) & v->tok_mask;
        v->tok_slots[h] = i + 1;
    }

    if (v->kind == GGUF_VOCAB_SPM) {
        v->bos = opt_id(g, "tokenizer.ggml.bos_token_id", 1, v->n_tokens);
        v->eos = opt_id(g, "tokenizer.ggml.eos_token_id", 2, v->n_tokens);
        v->unk = opt_id(g, "tokenizer.ggml.unknown_token_id", 0, v->n_tokens);
        v->add_bos = true;
        v->add_space_prefix = true;
    } else {
        if (gguf_get_array(g, "tokenizer.ggml.merges", GGUF_T_STRING, &v->merges) != GGUF_OK)
            return load_fail(v, err, g, "tokenizer.ggml.merges is missing (or not an array of strings)");
        if (v->merges.count >= UINT32_MAX / 2) return load_fail(v, err, g, "too many merges");
        v->merge_slots = new_slots(v->merges.count, &v->merge_mask);
        if (!v->merge_slots) return load_fail(v, err, g, "out of memory");
        for (uint32_t i = 0; i < v->merges.count; i++) {
            gguf_str m = gguf_array_str(&v->merges, i);
            uint32_t h = gguf_hash(m.ptr, m.len, GGUF_HASH_SEED) & v->merge_mask;
            bool dup = false; /* the first rank of a repeated merge wins */
            for (; v->merge_slots[h] && !dup; h = (h + 1) & v->merge_mask)
                dup = bytes_eq(gguf_array_str(&v->merges, v->merge_slots[h] - 1), (const uint8_t *)m.ptr, m.len);
            if (!dup) v->merge_slots[h] = i + 1;
        }
        if (load_pretok(v, g, err)) return -1;
        /* the ids in the file win over these defaults, as in llama.cpp */
        int32_t dflt = 11 < v->n_tokens ? 11 : -1;
        bool no_bos = gguf_pretok_defs[v->pre].flags & GGUF_PRETOK_NO_BOS;
        v->bos = opt_id(g, "tokenizer.ggml.bos_token_id", no_bos ? -1 : dflt, v->n_tokens);
        v->eos = opt_id(g, "tokenizer.ggml.eos_token_id", dflt, v->n_tokens);
        v->unk = opt_id(g, "tokenizer.ggml.unknown_token_id", -1, v->n_tokens);
    }
    v->eot = opt_id(g, "tokenizer.ggml.eot_token_id", -1, v->n_tokens);
    v->eom = opt_id(g, "tokenizer.ggml.eom_token_id", -1, v->n_tokens);
    v->pad = opt_id(g, "tokenizer.ggml.padding_token_id", -1, v->n_tokens);
    bool b;
    if (gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &b) == GGUF_OK) v->add_bos = b;
    if (gguf_get_bool(g, "tokenizer.ggml.add_eos_token", &b) == GGUF_OK) v->add_eos = b;
    if (gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &b) == GGUF_OK) v->add_space_prefix = b;

    /* llama.cpp finds EOT by text when the file does not say, and forces
     * every end-of-generation-looking token to control type */
    for (size_t i = 0; i < sizeof eog_texts / sizeof eog_texts[0]; i++) {
        int32_t id = vocab_lookup(v, (const uint8_t *)eog_texts[i], eng_strlen(eog_texts[i]));
        if (id < 0) continue;
        if (v->eot < 0 && i != 5) v->eot = id; /* <|eom_id|> is EOM, not EOT */
        if (v->eom < 0 && i == 5) v->eom = id;
        v->token_type[id] = GGUF_TOKEN_CONTROL;
    }

    v->special = plat_alloc((uint64_t)v->n_tokens * sizeof(uint32_t));
    if (!v->special) return load_fail(v, err, g, "out of memory");
    for (uint32_t i = 0; i < v->n_tokens; i++) {
        uint8_t t = v->token_type[i];
        if ((t == GGUF_TOKEN_CONTROL || t == GGUF_TOKEN_USER_DEFINED || t == GGUF_TOKEN_UNKNOWN) &&
            gguf_vocab_text(v, (int32_t)i).len > 0)
            v->special[v->n_special++] = i;
    }
    sort_special(v, v->special, v->n_special);
    find_byte_tokens(v);
    set_strip_flags(v, g);
    return 0;
}

void gguf_vocab_free(gguf_vocab *v)
{
    plat_free(v->token_type);
    plat_free(v->strip);
    plat_free(v->tok_slots);
    plat_free(v->merge_slots);
    plat_free(v->special);
    rt_memset(v, 0, sizeof *v);
}
