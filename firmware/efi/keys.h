/* Keys from ConIn (keys.c), as repl_sys.read_key/poll_key return them. */
#pragma once

#include <stdint.h>

/* Blocks for one key; returns a code point or a REPL_KEY_* value. */
int32_t fw_read_key(void);
/* Returns at once: a key, or REPL_KEY_NONE. */
int32_t fw_poll_key(void);
