#include "eng_session.h"

#include "platform.h"

int llmbm_session_open(llmbm_session *s, const llmbm_model *model, const llmbm_tokenizer *tok,
                       const llmbm_run_params *params, llmbm_err *err)
{
    eng_memset(s, 0, sizeof *s);
    if (llmbm_transformer_open(&s->tf, model, params, err)) return -1;
    s->cap = s->tf.ctx_len;
    s->tokens = plat_alloc((size_t)s->cap * sizeof *s->tokens);
    if (!s->tokens) {
        llmbm_transformer_free(&s->tf);
        return llmbm_fail(err, "%s: out of memory for a history of %u tokens", model->path, s->cap);
    }
    s->tok = tok;
    return 0;
}

void llmbm_session_close(llmbm_session *s)
{
    if (s->tokens) plat_free(s->tokens);
    llmbm_transformer_free(&s->tf);
    eng_memset(s, 0, sizeof *s);
}

uint64_t llmbm_session_state_bytes(const llmbm_model *model, const llmbm_run_params *params)
{
    uint32_t cap =
        params->ctx_len == 0 || params->ctx_len > model->config.seq_len ? model->config.seq_len : params->ctx_len;
    return llmbm_transformer_state_bytes(model, params) + (uint64_t)cap * sizeof(int32_t);
}

void llmbm_session_reset(llmbm_session *s) { llmbm_session_truncate(s, 0); }

void llmbm_session_truncate(llmbm_session *s, uint32_t n)
{
    if (n >= s->n) return;
    s->n = n;
    if (s->n_past > n) s->n_past = n;
    s->logits = 0;
}

int llmbm_session_append(llmbm_session *s, const int32_t *tokens, uint32_t n, llmbm_err *err)
{
    if (n > s->cap - s->n)
        return llmbm_fail(err, "%u more tokens do not fit in the context (%u of %u used)", n, s->n, s->cap);
    for (uint32_t i = 0; i < n; i++) s->tokens[s->n + i] = tokens[i];
    s->n += n;
    if (n) s->logits = 0;
    return 0;
}

int llmbm_session_eval(llmbm_session *s, llmbm_err *err)
{
    /* The last token's logits went stale (a shift moved it): compute it again. */
    if (!s->logits && s->n_past == s->n && s->n > 0) s->n_past--;
    uint32_t start = s->n_past, total = s->n - start;
    while (s->n_past < s->n) {
        uint32_t b = s->n - s->n_past;
        if (b > s->tf.batch) b = s->tf.batch;
        float *logits = llmbm_forward_batch(&s->tf, s->tokens + s->n_past, b, s->n_past, err);
        if (!logits) return -1;
        if (s->on_logits && s->tf.all_logits)
            for (uint32_t t = 0; t < b; t++)
                s->on_logits(s->hook_ctx, s->n_past + t, s->tf.logits + (size_t)t * s->tf.model->config.vocab_size);
        s->n_past += b;
        if (s->n_past == s->n) s->logits = logits;
        if (s->progress) s->progress(s->hook_ctx, s->n_past - start, total);
        if (s->n_past < s->n && s->interrupt && s->interrupt(s->hook_ctx)) return 1;
    }
    return 0;
}

int llmbm_session_feed(llmbm_session *s, const int32_t *tokens, uint32_t n, llmbm_err *err)
{
    if (llmbm_session_append(s, tokens, n, err)) return -1;
    return llmbm_session_eval(s, err);
}

static bool ends(const llmbm_session *s, int32_t token)
{
    if (s->tok && llmbm_token_is_eog(s->tok, token)) return true;
    for (unsigned i = 0; i < s->n_stops; i++)
        if (s->stops[i] == token) return true;
    return false;
}

llmbm_step_result llmbm_session_step(llmbm_session *s, llmbm_sampler *sampler, int32_t *token, llmbm_err *err)
{
    if (s->n == 0) {
        llmbm_fail(err, "nothing to continue: the history is empty");
        return LLMBM_STEP_ERROR;
    }
    if (!s->logits || s->n_past < s->n) {
        /* one pending token is a single pass; a longer tail is the prompt */
        llmbm_interrupt_fn hook = s->interrupt;
        s->interrupt = 0;
        int r = llmbm_session_eval(s, err);
        s->interrupt = hook;
        if (r) return LLMBM_STEP_ERROR;
    }
    int32_t next = llmbm_sample(sampler, s->logits);
    llmbm_sampler_accept(sampler, next);
    *token = next;
    if (ends(s, next)) return LLMBM_STEP_END;
    if (s->n >= s->cap) return LLMBM_STEP_FULL;
    s->tokens[s->n++] = next;
    s->logits = 0;
    return LLMBM_STEP_TOKEN;
}

int llmbm_session_erase(llmbm_session *s, uint32_t from, uint32_t count, llmbm_err *err)
{
    if (from > s->n || count > s->n - from)
        return llmbm_fail(err, "cannot erase tokens %u..%u of a history of %u", from, from + count, s->n);
    if (count == 0) return 0;
    if (s->n_past > from) s->n_past = from;
    for (uint32_t i = from + count; i < s->n; i++) s->tokens[i - count] = s->tokens[i];
    s->n -= count;
    s->logits = 0;
    return 0;
}

int llmbm_session_drop(llmbm_session *s, uint32_t from, uint32_t count, llmbm_err *err)
{
    if (from > s->n || count > s->n - from)
        return llmbm_fail(err, "cannot drop tokens %u..%u of a history of %u", from, from + count, s->n);
    if (count == 0) return 0;
    /* Computed tokens after the gap keep their cache entries, shifted. */
    uint32_t past = s->n_past;
    if (past > from + count) {
        if (llmbm_kv_shift(&s->tf, from, count, past, err)) return -1;
        s->n_past = past - count;
    } else if (past > from) {
        s->n_past = from;
    }
    for (uint32_t i = from + count; i < s->n; i++) s->tokens[i - count] = s->tokens[i];
    s->n -= count;
    s->logits = 0;
    return 0;
}
