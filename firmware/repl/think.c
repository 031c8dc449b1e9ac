/* A thinking model's reasoning (see think.h).
 *
 * Display: the answer's text arrives in pieces of any size (the stop-string
 * streamer holds back and releases text in its own chunks), so the tags are
 * matched byte by byte with the bytes of a possible tag held back. show
 * writes the reasoning, tags included, in the console's dimmed style (on a
 * console without colours, the serial port or a pipe, the tags themselves
 * mark it); hide drops it and the newlines after it, writing one dimmed
 * "[thinking...]" so a long silence does not look like a hang; the tokens
 * are generated and kept in the conversation either way, since the model
 * reads them while it answers.
 *
 * History: Qwen3's Jinja template renders an earlier assistant message as
 * its content after </think> with leading newlines stripped: the reasoning
 * of past turns is not in the prompt of the next one. We drop it too, so a
 * conversation's tokens are what the template renders for its messages
 * (which is what the model was trained on) and the context does not fill
 * up with old reasoning. The price is re-feeding the answer's visible part
 * on the next turn, usually far shorter than the reasoning. */
#include "think.h"

#include "platform.h"
#include "text.h"

static const char open_tag[] = "<think>", close_tag[] = "</think>";

think_mode think_mode_of(const repl_state *st)
{
    const char *v = cfg_get(&st->cfg, CFG_THINK);
    return txt_eq_nocase(v, "hide") ? THINK_HIDE : txt_eq_nocase(v, "off") ? THINK_OFF : THINK_SHOW;
}

const char *think_user_post(const repl_state *st, const chat_template *t)
{
    return think_mode_of(st) == THINK_OFF && t->user_post_no_think ? t->user_post_no_think : t->user_post;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t ls = txt_len(s), lt = txt_len(tail);
    return ls >= lt && txt_eq(s + ls - lt, tail);
}

/* Text outside a tag, in the current state. */
static void emit(think_stage *th, const char *text, size_t len)
{
    if (th->inside && th->mode == THINK_HIDE) return;
    if (!th->inside && th->eat_newlines) {
        while (len && (*text == '\n' || *text == '\r')) text++, len--;
        if (!len) return;
        th->eat_newlines = false;
    }
    plat_write(text, len);
}

static void toggle(think_stage *th)
{
    if (!th->inside) {
        th->inside = true;
        if (th->style) th->style(REPL_STYLE_THINK);
        if (th->mode == THINK_HIDE)
            plat_write("[thinking...]", 13);
        else
            plat_write(open_tag, sizeof open_tag - 1);
        return;
    }
    if (th->mode == THINK_HIDE) {
        plat_write(" ", 1);
        th->eat_newlines = true;
    } else {
        plat_write(close_tag, sizeof close_tag - 1);
    }
    th->inside = false;
    if (th->style) th->style(REPL_STYLE_ANSWER);
}

void think_begin(think_stage *th, const repl_state *st, const chat_template *t)
{
    *th = (think_stage){0};
    th->mode = t ? think_mode_of(st) : THINK_SHOW;
    th->style = st->sys ? st->sys->style : 0;
    /* DeepSeek-R1's generation prompt opens the think block itself: the
     * answer starts inside it. */
    const char *post = t ? think_user_post(st, t) : "";
    if (ends_with(post, "<think>") || ends_with(post, "<think>\n")) toggle(th);
}

void think_write(think_stage *th, const char *text, size_t len)
{
    size_t from = 0; /* start of the bytes not yet written or held */
    for (size_t i = 0; i < len; i++) {
        const char *tag = th->inside ? close_tag : open_tag;
        if (!th->n_held && text[i] != '<') continue;
        if (!th->n_held) {
            emit(th, text + from, i - from);
            from = i;
        }
        if (text[i] == tag[th->n_held]) {
            th->held[th->n_held++] = text[i];
            from = i + 1;
            if (!tag[th->n_held]) {
                th->n_held = 0;
                toggle(th);
            }
            continue;
        }
        /* Not the tag after all: what was held is plain text. A '<' may
         * still start one. */
        emit(th, th->held, th->n_held);
        th->n_held = 0;
        from = i;
        if (text[i] == '<') {
            th->held[th->n_held++] = '<';
            from = i + 1;
        }
    }
    if (!th->n_held) emit(th, text + from, len - from);
}

void think_end(think_stage *th)
{
    emit(th, th->held, th->n_held);
    th->n_held = 0;
    if (th->inside && th->style) th->style(REPL_STYLE_ANSWER);
}

/* ---- history ---- */

static bool only_newlines(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (*s != '\n' && *s != '\r') return false;
    return true;
}

/* How many tokens before answer_start the generation prompt wrote that a
 * past turn does not have (think=off's empty block; DeepSeek-R1's opening
 * <think>): the tail of `used` after `history`. 0 when there is no such
 * tail or its tokens are not there. */
static uint32_t prompt_only_tokens(const loaded_model *lm, const char *used, const char *history, const chat *c,
                                   uint32_t answer_start)
{
    size_t lh = txt_len(history);
    for (size_t i = 0; i < lh; i++)
        if (used[i] != history[i]) return 0;
    const char *tail = used + lh;
    size_t len = txt_len(tail);
    int32_t *ids = len ? plat_alloc(llmbm_encode_capacity(len) * sizeof *ids) : 0;
    if (!ids) return 0;
    uint32_t n = (uint32_t)llmbm_encode(&lm->tok, tail, false, false, ids);
    bool there = n <= answer_start;
    for (uint32_t i = 0; there && i < n; i++) there = c->sess->tokens[answer_start - n + i] == ids[i];
    plat_free(ids);
    return there ? n : 0;
}

void think_forget(const repl_state *st, const loaded_model *lm, const chat_template *t, chat *c, uint32_t answer_start)
{
    if (!t || t->think_history == THINK_HISTORY_KEEP || answer_start > c->sess->n) return;
    int32_t close = llmbm_token_lookup(&lm->tok, close_tag, sizeof close_tag - 1);
    const char *history = t->user_post_history ? t->user_post_history : t->user_post;
    uint32_t from = answer_start - prompt_only_tokens(lm, think_user_post(st, t), history, c, answer_start);
    uint32_t end = answer_start;
    for (uint32_t i = answer_start; close >= 0 && i < c->sess->n; i++)
        if (c->sess->tokens[i] == close) {
            end = i + 1;
            break;
        }
    if (end == answer_start && from == answer_start) return; /* no reasoning in this answer */
    if (t->think_history == THINK_HISTORY_DROP)
        while (end < c->sess->n &&
               only_newlines(llmbm_decode(&lm->tok, c->sess->tokens[end - 1], c->sess->tokens[end])))
            end++;
    /* erased, not shifted: what follows is computed again without it, as
     * the template renders the turn */
    llmbm_err err;
    llmbm_session_erase(c->sess, from, end - from, &err);
}
