/* The line editor's history: the last lines entered, newest last, kept for
 * the whole boot. Pure C (no console, no allocation) so host tests can use it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define HISTORY_LINES 64
#define HISTORY_BYTES 32768

typedef struct history {
    /* Entries back to back, each NUL-terminated, oldest first. */
    char text[HISTORY_BYTES];
    size_t used;
    unsigned count;
} history;

void history_init(history *h);
/* Remembers line (blank lines and a repeat of the newest entry are not
 * kept); drops the oldest entries to make room. A line longer than the
 * whole store is not kept. */
void history_add(history *h, const char *line, size_t len);
unsigned history_count(const history *h);
/* back = 1 is the newest entry, history_count(h) the oldest; NULL outside. */
const char *history_get(const history *h, unsigned back);
