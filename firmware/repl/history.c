/* The line history (see history.h). One flat byte store instead of an array
 * of fixed slots: a few long pasted lines and many short commands both fit. */
#include "history.h"

void history_init(history *h)
{
    h->used = 0;
    h->count = 0;
}

static size_t entry_len(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static void drop_oldest(history *h)
{
    size_t n = entry_len(h->text) + 1;
    __builtin_memmove(h->text, h->text + n, h->used - n);
    h->used -= n;
    h->count--;
}

void history_add(history *h, const char *line, size_t len)
{
    bool blank = true;
    for (size_t i = 0; i < len && blank; i++) blank = line[i] == ' ' || line[i] == '\t';
    if (blank || len + 1 > HISTORY_BYTES) return;
    const char *newest = history_get(h, 1);
    if (newest && entry_len(newest) == len && __builtin_memcmp(newest, line, len) == 0)
        return; /* pressing Enter on a recalled line should not fill the list with it */
    while (h->count && (h->count >= HISTORY_LINES || h->used + len + 1 > HISTORY_BYTES)) drop_oldest(h);
    __builtin_memcpy(h->text + h->used, line, len);
    h->text[h->used + len] = 0;
    h->used += len + 1;
    h->count++;
}

unsigned history_count(const history *h) { return h->count; }

const char *history_get(const history *h, unsigned back)
{
    if (back == 0 || back > h->count) return 0;
    /* Walk from the end: the newest entries are the ones asked for most. */
    size_t end = h->used - 1; /* the NUL of the newest entry */
    for (unsigned i = 1;; i++) {
        size_t start = end;
        while (start > 0 && h->text[start - 1]) start--;
        if (i == back) return h->text + start;
        end = start - 1;
    }
}
