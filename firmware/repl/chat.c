/* The conversation and the generation loop (see chat.h).
 *
 * Raw mode (template=raw, or auto for llama2.c models) is llama2.c `run`:
 * each line is a fresh prompt, BOS + encode(line), the cache starting at
 * position 0, so the output equals `llmbm run` token for token. max_tokens
 * counts new tokens: `llmbm run -n STEPS` counts positions, prompt
 * included, so max_tokens N matches -n (prompt tokens incl. BOS - 1 + N).
 * A fixed seed re-seeds the sampler for every answer (that is what makes a
 * reply reproducible and comparable with `llmbm run -s SEED`); seed=0
 * seeds once from the clock and carries the generator's state on.
 *
 * Chat mode keeps every token of the conversation in the engine session
 * (lm->sess), whose KV cache mirrors it position by position, so a new turn
 * only feeds its own tokens, in batches. When a turn would not fit, the
 * oldest turns are dropped (BOS and the system prompt stay): the session
 * moves the kept turns' cache entries down and re-rotates their keys, so
 * nothing is computed again. */
#include "chat.h"

#include "generate.h"
#include "platform.h"
#include "templates.h"
#include "text.h"
#include "think.h"

bool chat_init(chat *c, loaded_model *lm)
{
    *c = (chat){0};
    c->sess = &lm->sess;
    c->cap = lm->ctx_len;
    llmbm_session_reset(c->sess);
    /* A turn is at least two tokens (the message and one of the answer). */
    c->turn_start = plat_alloc(((size_t)c->cap / 2 + 1) * sizeof *c->turn_start);
    c->rng = plat_now_us() * 0x9e3779b97f4a7c15ull | 1; /* never 0: xorshift would stick */
    if (!c->turn_start) {
        txt_printf("out of memory for a context of %u tokens\n", c->cap);
        chat_free(c);
        return false;
    }
    return true;
}

void chat_free(chat *c)
{
    plat_free(c->turn_start);
    *c = (chat){0};
}

void chat_reset(chat *c)
{
    if (c->sess) llmbm_session_reset(c->sess);
    c->sys_end = c->n_turns = c->user_turns = 0;
    c->started = false;
}

/* ---- encoding ---- */

/* `text` as tokens into out[room] (no BOS). A <...> marker that is one
 * vocabulary entry becomes that token, so template markers reach models
 * that have them as special tokens. Returns the count, or UINT32_MAX when
 * it does not fit (nothing useful is in out then). */
static uint32_t encode(const llmbm_tokenizer *tok, const char *text, int32_t *out, uint32_t room)
{
    size_t len = txt_len(text);
    char *chunk = plat_alloc(len + 1);
    int32_t *buf = plat_alloc(llmbm_encode_capacity(len) * sizeof *buf);
    uint32_t n = 0;
    if (!chunk || !buf) {
        txt_printf("out of memory encoding the message\n");
        n = UINT32_MAX;
        goto done;
    }
    if (tok->kind != LLMBM_TOK_LLAMA2C) {
        /* GGUF encoding parses special-token text itself. */
        size_t got = llmbm_encode(tok, text, false, false, buf);
        if (!got && len) {
            /* the GGUF encoder's out-of-memory result (tokenizer_gguf.c) */
            txt_printf("out of memory encoding the message\n");
            n = UINT32_MAX;
            goto done;
        }
        if (got > room) {
            n = UINT32_MAX;
            goto done;
        }
        for (size_t k = 0; k < got; k++) out[n++] = buf[k];
        goto done;
    }
    size_t i = 0;
    while (i < len && n != UINT32_MAX) {
        /* The next marker at or after i. */
        size_t m = i, m_end = 0;
        int32_t id = -1;
        for (; m < len; m++) {
            if (text[m] != '<') continue;
            size_t e = m + 1;
            while (e < len && e - m < 64 && text[e] != '>' && text[e] != '<') e++;
            if (e < len && text[e] == '>' && (id = llmbm_token_lookup(tok, text + m, e + 1 - m)) >= 0) {
                m_end = e + 1;
                break;
            }
        }
        if (m > i) {
            for (size_t k = i; k < m; k++) chunk[k - i] = text[k];
            chunk[m - i] = 0;
            size_t got = llmbm_encode(tok, chunk, false, false, buf);
            if (n + got > room) {
                n = UINT32_MAX;
                break;
            }
            for (size_t k = 0; k < got; k++) out[n++] = buf[k];
        }
        if (id >= 0) {
            if (n + 1 > room) {
                n = UINT32_MAX;
                break;
            }
            out[n++] = id;
            m = m_end;
        }
        i = m;
    }
done:
    plat_free(chunk);
    plat_free(buf);
    return n;
}

/* a + b + c into a fresh plat_alloc string (NULL when out of memory). */
static char *concat3(const char *a, const char *b, const char *c)
{
    size_t la = txt_len(a), lb = txt_len(b), lc = txt_len(c);
    char *s = plat_alloc(la + lb + lc + 1);
    if (!s) return 0;
    txt_snprintf(s, la + lb + lc + 1, "%s%s%s", a, b, c);
    return s;
}

/* `text` encoded onto the end of the conversation; false when it does not
 * fit (nothing is added then). The tokens are written in the session's free
 * tail and appended in place. */
static bool push_text(chat *c, const llmbm_tokenizer *tok, const char *text)
{
    llmbm_session *S = c->sess;
    uint32_t got = encode(tok, text, S->tokens + S->n, S->cap - S->n);
    llmbm_err err;
    return got != UINT32_MAX && llmbm_session_append(S, S->tokens + S->n, got, &err) == 0;
}

/* Room for system text with one token kept for the first message; 0 when
 * the BOS alone fills the context (ctx=1), where cap - n - 1 would wrap. */
static uint32_t system_room(const llmbm_session *S) { return S->cap > S->n + 1 ? S->cap - S->n - 1 : 0; }

static bool push_token(chat *c, int32_t token)
{
    llmbm_err err;
    return llmbm_session_append(c->sess, &token, 1, &err) == 0;
}

/* ---- streaming with stop strings ---- */

typedef struct streamer {
    const char *const *stops;
    unsigned n_stops;
    char pending[512];
    size_t len;
    think_stage *think; /* what is shown goes through it */
} streamer;

static void stream_out(streamer *s, size_t n)
{
    think_write(s->think, s->pending, n);
    for (size_t i = n; i < s->len; i++) s->pending[i - n] = s->pending[i];
    s->len -= n;
}

/* Shows a piece, holding back text that may be the start of a stop string.
 * True when a stop string is complete: it and what follows are not shown. */
static bool stream_piece(streamer *s, const char *piece)
{
    size_t plen = txt_len(piece);
    if (!s->n_stops) {
        think_write(s->think, piece, plen);
        return false;
    }
    if (s->len + plen > sizeof s->pending) stream_out(s, s->len);
    if (plen > sizeof s->pending) {
        think_write(s->think, piece, plen);
        return false;
    }
    for (size_t i = 0; i < plen; i++) s->pending[s->len++] = piece[i];
    size_t keep = 0;
    for (unsigned k = 0; k < s->n_stops; k++) {
        const char *stop = s->stops[k];
        size_t sl = txt_len(stop);
        for (size_t at = 0; at + sl <= s->len; at++) {
            size_t j = 0;
            while (j < sl && s->pending[at + j] == stop[j]) j++;
            if (j == sl) {
                think_write(s->think, s->pending, at);
                s->len = 0;
                return true;
            }
        }
        for (size_t k2 = sl - 1 < s->len ? sl - 1 : s->len; k2 > keep; k2--) {
            size_t j = 0;
            while (j < k2 && s->pending[s->len - k2 + j] == stop[j]) j++;
            if (j == k2) {
                keep = k2;
                break;
            }
        }
    }
    stream_out(s, s->len - keep);
    return false;
}

/* ---- sampling ---- */

static float cfg_float(const repl_state *st, cfg_key key)
{
    float v = 0;
    txt_parse_float(cfg_get(&st->cfg, key), &v);
    return v;
}

static uint64_t cfg_u64(const repl_state *st, cfg_key key)
{
    uint64_t v = 0;
    txt_parse_u64(cfg_get(&st->cfg, key), &v);
    return v;
}

static bool make_sampler(const repl_state *st, const loaded_model *lm, chat *c, llmbm_sampler *s)
{
    llmbm_sampler_params p = llmbm_sampler_defaults();
    p.temperature = cfg_float(st, CFG_TEMP);
    p.top_p = cfg_float(st, CFG_TOP_P);
    uint64_t top_k = cfg_u64(st, CFG_TOP_K), last_n = cfg_u64(st, CFG_REPEAT_LAST_N);
    p.top_k = top_k > lm->model.config.vocab_size ? lm->model.config.vocab_size : (uint32_t)top_k;
    p.min_p = cfg_float(st, CFG_MIN_P);
    p.repeat_penalty = cfg_float(st, CFG_REPEAT_PENALTY);
    p.repeat_last_n = last_n > c->cap ? c->cap : (uint32_t)last_n;
    uint64_t seed = cfg_u64(st, CFG_SEED);
    p.seed = seed ? seed : c->rng;
    llmbm_err err;
    if (llmbm_sampler_init(s, lm->model.config.vocab_size, &p, &err)) {
        txt_printf("%s\n", err.msg);
        return false;
    }
    /* The penalty window sees the conversation so far, as llmbm_generate
     * shows it the prompt. */
    const llmbm_session *S = c->sess;
    uint32_t from = S->n > p.repeat_last_n ? S->n - p.repeat_last_n : 0;
    for (uint32_t i = from; i < S->n; i++) llmbm_sampler_accept(s, S->tokens[i]);
    return true;
}

/* ---- the answer ---- */

static void rate(char *buf, size_t cap, uint64_t count, uint64_t us)
{
    uint64_t x10 = us ? count * 10000000ull / us : 0;
    txt_snprintf(buf, cap, "%llu.%llu", (unsigned long long)(x10 / 10), (unsigned long long)(x10 % 10));
}

static bool interrupt_pressed(const repl_state *st) { return line_interrupt_pending(st->sys); }

static bool interrupt_hook(void *ctx) { return interrupt_pressed(ctx); }

typedef enum stop_kind { STOP_MAX, STOP_TOKEN, STOP_STRING, STOP_FULL, STOP_INTERRUPT, STOP_ERROR } stop_kind;

/* Feeds what the cache lacks, then samples and streams until a stop. */
static stop_kind answer(repl_state *st, loaded_model *lm, chat *c, const chat_template *t, int32_t *stop_token)
{
    llmbm_session *S = c->sess;
    llmbm_sampler s;
    if (!make_sampler(st, lm, c, &s)) return STOP_ERROR;
    llmbm_err err;
    uint64_t t0 = plat_now_us();
    uint32_t fed_from = S->n_past;
    /* A long prompt on a big model takes a while: Esc stops it between
     * batches. What was computed stays valid; the next line feeds the rest. */
    S->interrupt = interrupt_hook;
    S->hook_ctx = st;
    int fed = llmbm_session_eval(S, &err);
    S->interrupt = 0;
    if (fed != 0) {
        if (fed < 0)
            txt_printf("%s\n", err.msg);
        else
            txt_printf(" [interrupted while reading the prompt]\n");
        llmbm_sampler_free(&s);
        return fed < 0 ? STOP_ERROR : STOP_INTERRUPT;
    }
    uint64_t t1 = plat_now_us();
    uint32_t n_prompt = S->n_past - fed_from;
    think_stage th;
    think_begin(&th, st, t);
    streamer sm = {t ? t->stops : 0, 0, {0}, 0, &th};
    while (t && sm.n_stops < 3 && t->stops[sm.n_stops]) sm.n_stops++;
    /* The engine's end of generation (BOS for llama2.c as in run.c,
     * EOS/EOT for GGUF), EOS, and a template's one-token end markers. */
    S->n_stops = 0;
    if (lm->tok.eos_id >= 0) S->stops[S->n_stops++] = lm->tok.eos_id;
    for (unsigned k = 0; k < sm.n_stops; k++) {
        int32_t id = llmbm_token_lookup(&lm->tok, t->stops[k], txt_len(t->stops[k]));
        if (id >= 0) S->stops[S->n_stops++] = id;
    }
    uint64_t max = cfg_u64(st, CFG_MAX_TOKENS);
    int32_t prev = S->tokens[S->n - 1];
    uint32_t gen = 0;
    stop_kind why = STOP_MAX;
    if (st->sys && st->sys->style) st->sys->style(REPL_STYLE_ANSWER);
    while (max == 0 || gen < max) {
        int32_t next;
        llmbm_step_result r = llmbm_session_step(S, &s, &next, &err);
        if (r == LLMBM_STEP_ERROR) {
            txt_printf("\n%s", err.msg);
            why = STOP_ERROR;
            break;
        }
        gen++;
        if (r == LLMBM_STEP_END) {
            *stop_token = next;
            why = STOP_TOKEN;
            break;
        }
        const char *piece = llmbm_decode(&lm->tok, prev, next);
        bool hit = llmbm_piece_is_printable(piece) && stream_piece(&sm, piece);
        prev = next;
        if (r == LLMBM_STEP_FULL) {
            /* Shown but not kept, like the last step of llama2.c's run. */
            why = STOP_FULL;
            break;
        }
        if (hit) {
            why = STOP_STRING;
            break;
        }
        if (max && gen == max) break; /* kept but not computed: the next turn feeds it */
        if (interrupt_pressed(st)) {
            why = STOP_INTERRUPT;
            break;
        }
    }
    stream_out(&sm, sm.len);
    think_end(&th);
    if (st->sys && st->sys->style) st->sys->style(REPL_STYLE_MESSAGE);
    uint64_t t2 = plat_now_us();
    if (cfg_u64(st, CFG_SEED) == 0) c->rng = s.rng_state;
    llmbm_sampler_free(&s);

    static const char *const reasons[] = {"max_tokens",   "end of text", "stop string",
                                          "context full", "interrupted", "error"};
    c->last.prompt_tokens = n_prompt;
    c->last.answer_tokens = gen;
    c->last.prompt_us = t1 - t0;
    c->last.answer_us = t2 - t1;
    c->last.reason = reasons[why];
    if (c->quiet) return why;
    char pr[32], gr[32];
    rate(pr, sizeof pr, n_prompt, t1 - t0);
    rate(gr, sizeof gr, gen, t2 - t1);
    txt_printf("%s\n-- prompt %u tokens, %s tok/s | answer %u tokens, %s tok/s | context %u/%u | %s\n",
               why == STOP_INTERRUPT ? " [interrupted]" : "", n_prompt, pr, gen, gr, S->n, c->cap, reasons[why]);
    return why;
}

static void raw_line(repl_state *st, loaded_model *lm, chat *c, const char *line)
{
    chat_reset(c);
    c->raw_last = true;
    /* Plain llmbm_encode with BOS, no marker lookup: `llmbm run`'s prompt. */
    size_t len = txt_len(line);
    int32_t *buf = plat_alloc(llmbm_encode_capacity(len) * sizeof *buf);
    if (!buf) {
        txt_printf("out of memory encoding the prompt\n");
        return;
    }
    size_t got = llmbm_encode(&lm->tok, line, true, false, buf);
    llmbm_err err;
    if (got > c->cap || got == 0 || llmbm_session_append(c->sess, buf, (uint32_t)got, &err)) {
        txt_printf("The prompt is %zu tokens; the context holds %u (/set ctx, or a shorter prompt).\n", got, c->cap);
        plat_free(buf);
        chat_reset(c);
        return;
    }
    plat_free(buf);
    int32_t stop_token = -1;
    answer(st, lm, c, 0, &stop_token);
}

/* BOS and the system prompt. */
static bool start_conversation(repl_state *st, loaded_model *lm, chat *c, const chat_template *t)
{
    chat_reset(c);
    /* BOS when the tokenizer adds one (GGUF: add_bos_token) or the
     * template writes it (Gemma, SmolLM2); Qwen's does neither (its bos is
     * <|endoftext|>). */
    llmbm_session *S = c->sess;
    llmbm_err err;
    if (llmbm_tokenizer_adds_bos(&lm->tok))
        push_token(c, lm->tok.kind == LLMBM_TOK_LLAMA2C ? LLMBM_TOKEN_BOS : lm->tok.bos_id);
    else if (t->writes_bos && lm->tok.bos_id >= 0)
        push_token(c, lm->tok.bos_id);
    const char *system = cfg_get(&st->cfg, CFG_SYSTEM);
    if (*system) {
        char *text = concat3(t->sys_pre, system, t->sys_post);
        /* one token of room must stay for the first message */
        uint32_t got = text ? encode(&lm->tok, text, S->tokens + S->n, system_room(S)) : UINT32_MAX;
        plat_free(text);
        if (got == UINT32_MAX) {
            txt_printf("The system prompt does not fit in the context of %u tokens (/set ctx, or a shorter "
                       "/set system).\n",
                       c->cap);
            chat_reset(c);
            return false;
        }
        llmbm_session_append(S, S->tokens + S->n, got, &err);
    } else if (t->no_sys && *t->no_sys) {
        /* What the model's template writes without a system message. */
        uint32_t got = encode(&lm->tok, t->no_sys, S->tokens + S->n, system_room(S));
        if (got == UINT32_MAX) {
            txt_printf("The template's default system text does not fit in the context of %u tokens.\n", c->cap);
            chat_reset(c);
            return false;
        }
        llmbm_session_append(S, S->tokens + S->n, got, &err);
    }
    c->sys_end = S->n;
    c->started = true;
    return true;
}

/* Drops the oldest k turns (k == n_turns: every turn). The session shifts
 * the kept turns' cache entries instead of computing them again. */
static void drop_turns(chat *c, uint32_t k)
{
    llmbm_session *S = c->sess;
    uint32_t from = k < c->n_turns ? c->turn_start[k] : S->n;
    uint32_t shift = from - c->sys_end;
    llmbm_err err;
    if (llmbm_session_drop(S, c->sys_end, shift, &err)) {
        txt_printf("%s\n", err.msg);
        llmbm_session_truncate(S, c->sys_end);
        c->n_turns = 0;
        return;
    }
    for (uint32_t i = k; i < c->n_turns; i++) c->turn_start[i - k] = c->turn_start[i] - shift;
    c->n_turns -= k;
}

/* If text starts with a <...> marker that is the single token `id`, what
 * follows it; else NULL. */
static const char *after_marker(const llmbm_tokenizer *tok, const char *text, int32_t id)
{
    if (text[0] != '<') return 0;
    size_t e = 1;
    while (text[e] && text[e] != '>' && e < 64) e++;
    if (text[e] != '>' || llmbm_token_lookup(tok, text, e + 1) != id) return 0;
    return text + e + 1;
}

static void chat_turn(repl_state *st, loaded_model *lm, chat *c, const chat_template *t, const char *line)
{
    if ((!c->started || c->raw_last) && !start_conversation(st, lm, c, t)) return;
    c->raw_last = false;
    /* Not sys_end: a template's no_sys text also sits before it. */
    bool has_system = *cfg_get(&st->cfg, CFG_SYSTEM) != 0;
    bool first = c->user_turns == 0;
    const char *pre = first && has_system && t->sys_in_first_user ? "" : t->user_pre;
    char *text = concat3(pre, line, think_user_post(st, t));
    uint32_t room = c->cap - c->sys_end;
    int32_t *seg = plat_alloc((size_t)room * sizeof *seg);
    uint32_t n_seg = 0;
    if (t->eos_bos_between_turns && !first && seg && lm->tok.bos_id >= 0) seg[n_seg++] = lm->tok.bos_id;
    if (!text || !seg) txt_printf("out of memory for the message\n");
    uint32_t got = text && seg ? encode(&lm->tok, text, seg + n_seg, room - n_seg) : UINT32_MAX;
    plat_free(text);
    if (got == UINT32_MAX || n_seg + got + 1 > room) {
        txt_printf("This message does not fit in the context of %u tokens beside the system prompt (/set ctx, or "
                   "a shorter message).\n",
                   c->cap);
        plat_free(seg);
        return;
    }
    n_seg += got;
    /* Room for the message and an answer: up to max_tokens, at most half
     * the context, so a long max_tokens does not wipe every turn. */
    uint64_t max = cfg_u64(st, CFG_MAX_TOKENS);
    uint32_t reserve = max == 0 || max > c->cap / 2 ? c->cap / 2 : (uint32_t)max;
    llmbm_session *S = c->sess;
    /* The oldest turns that must go for the message and its answer to fit. */
    uint32_t dropped = 0;
    while (dropped < c->n_turns && S->n - (c->turn_start[dropped] - c->sys_end) + n_seg + reserve > c->cap) dropped++;
    if (dropped) {
        uint64_t t0 = plat_now_us();
        drop_turns(c, dropped);
        uint64_t us = plat_now_us() - t0;
        uint32_t moved = S->n_past > c->sys_end ? S->n_past - c->sys_end : 0;
        txt_printf("(context full: dropped the oldest %u turn%s; the system prompt stays; %u kept tokens shifted in "
                   "%llu.%llu ms, none computed again)\n",
                   dropped, dropped == 1 ? "" : "s", moved, (unsigned long long)(us / 1000),
                   (unsigned long long)(us % 1000 / 100));
    }
    c->turn_start[c->n_turns++] = S->n;
    llmbm_err err;
    llmbm_session_append(S, seg, n_seg, &err); /* fits: the turns above made room */
    plat_free(seg);
    c->user_turns++;

    int32_t stop_token = -1;
    uint32_t answer_start = S->n;
    stop_kind why = answer(st, lm, c, t, &stop_token);
    /* Close the turn the way the template expects the next one to follow. */
    if (why == STOP_TOKEN && push_token(c, stop_token)) {
        /* The template's end of turn may go on after the marker the model
         * wrote ("<|im_end|>" then "\n"): write the rest, so the next turn
         * follows the text the model's own template would have. */
        const char *rest = after_marker(&lm->tok, t->turn_end, stop_token);
        if (rest && *rest) push_text(c, &lm->tok, rest);
    } else if (why != STOP_STRING && why != STOP_TOKEN) {
        if (t->eos_bos_between_turns && lm->tok.eos_id >= 0) push_token(c, lm->tok.eos_id);
        if (*t->turn_end) push_text(c, &lm->tok, t->turn_end);
    }
    think_forget(st, lm, t, c, answer_start);
}

/* template=auto: the family the model's own chat template belongs to
 * (GGUF tokenizer.chat_template), recognised by its markers; none (a
 * llama2.c checkpoint, or an unknown family) means raw completion. */
static const chat_template *auto_template(const loaded_model *lm)
{
    /* The exact pieces derived from the model's Jinja template at image
     * build time beat recognising a family by its markers. */
    if (lm->file_template) return lm->file_template;
    return template_from_jinja(llmbm_tokenizer_chat_template(&lm->tok));
}

const chat_template *chat_template_for(const repl_state *st, const loaded_model *lm)
{
    const char *name = cfg_get(&st->cfg, CFG_TEMPLATE);
    return txt_eq_nocase(name, "auto") ? auto_template(lm) : template_find(name);
}

void chat_line(repl_state *st, loaded_model *lm, chat *c, const char *line)
{
    const chat_template *t = chat_template_for(st, lm);
    if (!t)
        raw_line(st, lm, c, line);
    else
        chat_turn(st, lm, c, t, line);
}

void chat_show_ctx(const repl_state *st, const loaded_model *lm, const chat *c)
{
    const chat_template *t = chat_template_for(st, lm);
    txt_printf("context: %u of %u tokens used (%u in the KV cache)\n", c->sess->n, c->cap, c->sess->n_past);
    if (!t) {
        txt_printf("template raw: each line is a completion prompt in a fresh context\n");
        return;
    }
    txt_printf("template %s: BOS + system prompt %u tokens, %u turn%s kept (%u since /reset)\n", t->name, c->sys_end,
               c->n_turns, c->n_turns == 1 ? "" : "s", c->user_turns);
}
