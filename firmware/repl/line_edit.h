/* The line editor's state and its edits: a UTF-8 buffer, a cursor, and
 * history browsing. Pure C with no console I/O — line.c reads keys and draws;
 * tests/unit/repl drives this with key sequences on the host.
 *
 * The cursor is a byte offset that always sits on a character boundary;
 * Left/Right/Backspace/Delete move over whole characters (code points), since
 * that is what the user sees as one cell on a UEFI console. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"

typedef enum line_result {
    LINE_MORE,   /* keep reading keys */
    LINE_ENTER,  /* the line is complete */
    LINE_CANCEL, /* Ctrl-C: abandon the line */
} line_result;

typedef struct line_edit {
    char *buf; /* always NUL-terminated at len */
    size_t cap;
    size_t len;
    size_t cur;
    history *hist;   /* may be NULL: no Up/Down */
    unsigned browse; /* 0: the user's own line; k: showing the k-th newest entry */
    char *draft;     /* the user's own line while browsing */
    size_t draft_cap, draft_len;
    bool overflow; /* a character did not fit since the last line_edit_take_overflow */
} line_edit;

/* buf holds cap bytes, draft draft_cap (a line that does not fit in draft,
 * or any line when draft is NULL, cannot be parked to browse the history). */
void line_edit_init(line_edit *e, char *buf, size_t cap, char *draft, size_t draft_cap, history *hist);
/* Applies one key (a code point or a REPL_KEY_* value from repl_keys.h). */
line_result line_edit_key(line_edit *e, int32_t key);
/* On LINE_ENTER: remembers the line in the history. */
void line_edit_commit(line_edit *e);
/* True once after a character was refused because the buffer is full. */
bool line_edit_take_overflow(line_edit *e);

/* The edits line_edit_key is made of, for tests and callers. */
bool line_edit_insert(line_edit *e, uint32_t cp);
bool line_edit_set(line_edit *e, const char *text, size_t len);

/* UTF-8 helpers shared with the drawing code (over the engine's codec,
 * unicode_class.h). Decodes the character at s[*i] (< len), advancing *i past it. Malformed
 * bytes decode to U+FFFD one byte at a time. */
uint32_t utf8_next(const char *s, size_t len, size_t *i);
/* Characters in s[0, len). */
size_t utf8_count(const char *s, size_t len);
