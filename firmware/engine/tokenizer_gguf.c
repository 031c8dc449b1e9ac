/* llmbm_tokenizer over a GGUF vocabulary. The vocab keeps token texts in the
 * gguf_file's metadata buffer, so the tokenizer owns a gguf_file: the model
 * bundle loader (model_bundle.c) hands it the one it parsed for the model,
 * which keeps the tokenizer's lifetime independent of the model's without
 * reading the header twice. */
#include "tokenizer_gguf.h"

#include "gguf.h"
#include "platform.h"
#include "vocab_gguf.h"

typedef struct llmbm_gguf_tok {
    gguf_file file;
    gguf_vocab vocab;
    char *chat_template; /* NUL-terminated copy, or NULL */
    char kind_name[64];
    char piece[512]; /* llmbm_gguf_decode's result */
} llmbm_gguf_tok;

void llmbm_gguf_tok_free(llmbm_gguf_tok *g)
{
    gguf_vocab_free(&g->vocab);
    gguf_close(&g->file);
    if (g->chat_template) plat_free(g->chat_template);
    plat_free(g);
}

int llmbm_tokenizer_from_gguf(llmbm_tokenizer *t, const char *path, uint32_t expected_vocab, llmbm_err *err)
{
    eng_memset(t, 0, sizeof *t);
    gguf_file file;
    if (gguf_open(&file, path, err)) return -1;
    /* Everything the vocab needs is in the metadata buffer. */
    plat_close(file.file);
    file.file = 0;
    if (llmbm_tokenizer_from_gguf_file(t, &file, expected_vocab, path, err)) {
        gguf_close(&file);
        return -1;
    }
    return 0;
}

/* A failed load hands the header back to the caller as it was. */
static int give_back(llmbm_gguf_tok *g, gguf_file *file)
{
    gguf_vocab_free(&g->vocab);
    if (g->chat_template) plat_free(g->chat_template);
    *file = g->file;
    plat_free(g);
    return -1;
}

int llmbm_tokenizer_from_gguf_file(llmbm_tokenizer *t, gguf_file *file, uint32_t expected_vocab, const char *path,
                                   llmbm_err *err)
{
    eng_memset(t, 0, sizeof *t);
    llmbm_gguf_tok *g = plat_alloc(sizeof *g);
    if (!g) return llmbm_fail(err, "%s: out of memory for the tokenizer", path);
    g->file = *file;
    eng_memset(file, 0, sizeof *file);
    if (gguf_vocab_load(&g->vocab, &g->file, err)) return give_back(g, file);
    const gguf_vocab *v = &g->vocab;
    if (expected_vocab && v->n_tokens != expected_vocab) {
        llmbm_fail(err, "%s: tokenizer has %u tokens but the model has a vocabulary of %u", path, v->n_tokens,
                   expected_vocab);
        return give_back(g, file);
    }
    gguf_str tmpl;
    if (gguf_get_str(&g->file, "tokenizer.chat_template", &tmpl) == GGUF_OK && tmpl.len < (1u << 24)) {
        g->chat_template = plat_alloc((size_t)tmpl.len + 1);
        if (!g->chat_template) {
            llmbm_fail(err, "%s: out of memory for the chat template", path);
            return give_back(g, file);
        }
        eng_memcpy(g->chat_template, tmpl.ptr, (size_t)tmpl.len);
    }
    if (v->kind == GGUF_VOCAB_SPM) {
        t->kind = LLMBM_TOK_GGUF_SPM;
        eng_snprintf(g->kind_name, sizeof g->kind_name, "gguf llama (SentencePiece)");
    } else {
        t->kind = LLMBM_TOK_GGUF_BPE;
        eng_snprintf(g->kind_name, sizeof g->kind_name, "gguf gpt2 (byte-level BPE, pre-tokenizer %s)", v->pre_name);
    }
    t->gguf = g;
    t->vocab_size = v->n_tokens;
    t->bos_id = v->bos;
    t->eos_id = v->eos;
    return 0;
}

bool llmbm_gguf_adds_bos(const llmbm_tokenizer *t)
{
    const gguf_vocab *v = &t->gguf->vocab;
    return v->add_bos && v->bos >= 0;
}

size_t llmbm_gguf_encode(const llmbm_tokenizer *t, const char *text, bool bos, bool eos, int32_t *tokens)
{
    const gguf_vocab *v = &t->gguf->vocab;
    size_t len = eng_strlen(text), n = 0, got = 0;
    if (bos && v->add_bos && v->bos >= 0) tokens[n++] = v->bos;
    /* parse_special: a prompt may hold a chat template's special tokens,
     * which must become their single ids (llama.cpp does the same). */
    if (len && gguf_vocab_encode(v, text, len, false, true, tokens + n, llmbm_encode_capacity(len) - 2, &got, 0))
        got = 0; /* out of memory: encode nothing rather than garbage */
    n += got;
    if (bos && n == 0 && v->bos >= 0) tokens[n++] = v->bos;
    if (eos && v->eos >= 0) tokens[n++] = v->eos;
    return n;
}

const char *llmbm_gguf_decode(const llmbm_tokenizer *t, int32_t prev_token, int32_t token)
{
    llmbm_gguf_tok *g = t->gguf;
    if (token < 0 || (uint32_t)token >= t->vocab_size) return "";
    size_t cap = sizeof g->piece - 1;
    size_t n = gguf_vocab_decode(&g->vocab, token, false, g->piece, cap);
    if (n > cap) n = cap;
    g->piece[n] = 0;
    /* SentencePiece's dummy prefix: the first word after BOS lost its space. */
    if (t->kind == LLMBM_TOK_GGUF_SPM && prev_token >= 0 && prev_token == t->bos_id && g->piece[0] == ' ')
        return g->piece + 1;
    return g->piece;
}

int32_t llmbm_gguf_token_lookup(const llmbm_tokenizer *t, const char *text, size_t len)
{
    return gguf_vocab_find(&t->gguf->vocab, text, len);
}

bool llmbm_token_is_eog(const llmbm_tokenizer *t, int32_t token)
{
    if (t->kind == LLMBM_TOK_LLAMA2C) return token == LLMBM_TOKEN_BOS;
    return gguf_vocab_is_eog(&t->gguf->vocab, token);
}

const char *llmbm_tokenizer_chat_template(const llmbm_tokenizer *t) { return t->gguf ? t->gguf->chat_template : 0; }

const gguf_file *llmbm_tokenizer_gguf_header(const llmbm_tokenizer *t) { return t->gguf ? &t->gguf->file : 0; }

const char *llmbm_tokenizer_kind_name(const llmbm_tokenizer *t)
{
    return t->gguf ? t->gguf->kind_name : "llama2.c tokenizer.bin";
}
