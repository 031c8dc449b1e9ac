/* Line editing operations (see line_edit.h). */
#include "line_edit.h"

#include "repl_keys.h"
#include "unicode_class.h"

static bool is_cont(char c) { return ((uint8_t)c & 0xc0) == 0x80; }

uint32_t utf8_next(const char *s, size_t len, size_t *i)
{
    size_t used;
    uint32_t cp = gguf_utf8_decode((const uint8_t *)s + *i, len - *i, &used);
    *i += used;
    return cp;
}

size_t utf8_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += !is_cont(s[i]);
    return n;
}

void line_edit_init(line_edit *e, char *buf, size_t cap, char *draft, size_t draft_cap, history *hist)
{
    *e = (line_edit){buf, cap, 0, 0, hist, 0, draft, draft ? draft_cap : 0, 0, false};
    buf[0] = 0;
}

bool line_edit_take_overflow(line_edit *e)
{
    bool o = e->overflow;
    e->overflow = false;
    return o;
}

bool line_edit_insert(line_edit *e, uint32_t cp)
{
    char enc[4];
    size_t n = gguf_utf8_encode(cp, (uint8_t *)enc);
    if (e->len + n >= e->cap) {
        e->overflow = true;
        return false;
    }
    __builtin_memmove(e->buf + e->cur + n, e->buf + e->cur, e->len - e->cur);
    __builtin_memcpy(e->buf + e->cur, enc, n);
    e->len += n;
    e->cur += n;
    e->buf[e->len] = 0;
    return true;
}

bool line_edit_set(line_edit *e, const char *text, size_t len)
{
    if (len >= e->cap) return false;
    __builtin_memmove(e->buf, text, len);
    e->len = e->cur = len;
    e->buf[len] = 0;
    return true;
}

/* Byte offsets of the character boundary before / after the cursor. */
static size_t prev_boundary(const line_edit *e, size_t at)
{
    if (at == 0) return 0;
    do at--;
    while (at > 0 && is_cont(e->buf[at]));
    return at;
}

static size_t next_boundary(const line_edit *e, size_t at)
{
    if (at >= e->len) return e->len;
    do at++;
    while (at < e->len && is_cont(e->buf[at]));
    return at;
}

static void erase(line_edit *e, size_t from, size_t to)
{
    __builtin_memmove(e->buf + from, e->buf + to, e->len - to);
    e->len -= to - from;
    e->buf[e->len] = 0;
    e->cur = from;
}

static size_t len_of(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* Up (older = +1) and Down (newer = -1). The user's own line is kept in
 * draft while browsing and comes back below the newest entry. */
static void browse(line_edit *e, int dir)
{
    if (!e->hist) return;
    unsigned to = e->browse + (unsigned)dir;
    if (dir < 0 && e->browse == 0) return;
    if (to > history_count(e->hist)) return;
    if (e->browse == 0) {
        if (e->len && e->len > e->draft_cap) return; /* nowhere to keep the user's line */
        if (e->len) __builtin_memcpy(e->draft, e->buf, e->len);
        e->draft_len = e->len;
    }
    const char *text = to ? history_get(e->hist, to) : e->draft;
    size_t n = to ? len_of(text) : e->draft_len;
    if (!line_edit_set(e, n ? text : "", n)) return; /* an entry longer than this buffer: stay */
    e->browse = to;
}

line_result line_edit_key(line_edit *e, int32_t key)
{
    switch (key) {
        case '\r':
        case '\n': return LINE_ENTER;
        case 3: /* Ctrl-C */ return LINE_CANCEL;
        case 8:
        case 127:
            if (e->cur) erase(e, prev_boundary(e, e->cur), e->cur);
            return LINE_MORE;
        case REPL_KEY_DELETE:
            /* OVMF's terminal driver turns DEL (0x7f), which is what most
         * serial terminals send for Backspace, into the Delete key. At the
         * end of the line Delete has nothing to do, so it erases backwards
         * there: Backspace on a serial console then works where it is
         * used most. */
            if (e->cur == e->len && e->cur)
                erase(e, prev_boundary(e, e->cur), e->cur);
            else if (e->cur < e->len)
                erase(e, e->cur, next_boundary(e, e->cur));
            return LINE_MORE;
        case 4: /* Ctrl-D, as in readline (but never "end of input") */
            if (e->cur < e->len) erase(e, e->cur, next_boundary(e, e->cur));
            return LINE_MORE;
        case REPL_KEY_LEFT:
        case 2: /* Ctrl-B */ e->cur = prev_boundary(e, e->cur); return LINE_MORE;
        case REPL_KEY_RIGHT:
        case 6: /* Ctrl-F */ e->cur = next_boundary(e, e->cur); return LINE_MORE;
        case REPL_KEY_HOME:
        case 1: /* Ctrl-A */ e->cur = 0; return LINE_MORE;
        case REPL_KEY_END:
        case 5: /* Ctrl-E */ e->cur = e->len; return LINE_MORE;
        case REPL_KEY_UP:
        case 16: /* Ctrl-P */ browse(e, +1); return LINE_MORE;
        case REPL_KEY_DOWN:
        case 14: /* Ctrl-N */ browse(e, -1); return LINE_MORE;
        case 11: /* Ctrl-K: erase to the end */ erase(e, e->cur, e->len); return LINE_MORE;
        case 21: /* Ctrl-U: erase to the start */ erase(e, 0, e->cur); return LINE_MORE;
        case '\t':
            /* Pasted text keeps its tabs (the line draws them as one blank). */
            line_edit_insert(e, '\t');
            return LINE_MORE;
        default: break;
    }
    /* Other control characters, Esc (an interrupt left over from an answer
     * must not wipe a line being typed), other keys, and lone surrogates. */
    if (key < 0x20 || key == 0x7f || key >= REPL_KEY_UP || (key >= 0xd800 && key <= 0xdfff)) return LINE_MORE;
    line_edit_insert(e, (uint32_t)key);
    return LINE_MORE;
}

void line_edit_commit(line_edit *e)
{
    if (e->hist) history_add(e->hist, e->buf, e->len);
    e->browse = 0;
}
