/* SentencePiece BPE over one escaped fragment, as llama.cpp's
 * llm_tokenizer_spm_session: start from UTF-8 characters, repeatedly merge
 * the adjacent pair whose concatenation is the highest-scoring token (ties:
 * leftmost), then emit each symbol as its token or, if it is not one, as
 * byte-fallback tokens. */
#include "symbol_merge.h"
#include "vocab_internal.h"

/* A pair may merge when the concatenation is a token; its score ranks it. */
static bool merge_priority(const void *ctx, const uint8_t *text, uint32_t off, uint32_t size, uint32_t left_n,
                           double *priority)
{
    const gguf_vocab *v = ctx;
    (void)left_n;
    int32_t id = vocab_lookup(v, text + off, size);
    if (id < 0) return false;
    *priority = v->scores.count ? gguf_array_f32(&v->scores, (uint64_t)id) : 0.0f;
    return true;
}

int spm_tokenize(const gguf_vocab *v, const uint8_t *text, size_t len, tok_out *out)
{
    if (len == 0) return 0;
    merge_sym *s = plat_alloc(len * sizeof *s);
    merge_pair *pairs = plat_alloc(3 * len * sizeof *pairs);
    if (!s || !pairs) {
        plat_free(s);
        plat_free(pairs);
        return -1;
    }
    merge_symbols(text, len, s, pairs, merge_priority, v);
    for (int32_t i = 0; i != -1; i = s[i].next) {
        int32_t id = vocab_lookup(v, text + s[i].off, s[i].n);
        if (id >= 0) {
            tok_push(out, id);
            continue;
        }
        /* merged symbols are always tokens, so only single characters get
         * here: one byte token each (unk if the vocab lacks it) */
        for (uint32_t k = 0; k < s[i].n; k++) {
            int32_t b = v->byte_token[text[s[i].off + k]];
            if (b < 0) b = v->unk;
            if (b >= 0) tok_push(out, b);
        }
    }
    plat_free(s);
    plat_free(pairs);
    return 0;
}
