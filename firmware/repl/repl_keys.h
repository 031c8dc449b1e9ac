/* Keys other than characters, as repl_sys.read_key and poll_key return
 * them (repl.h): values beyond the last Unicode code point. Platforms
 * include this to translate their key events; the REPL's line editor
 * reads them. */
#pragma once

enum {
    REPL_KEY_UP = 0x110000,
    REPL_KEY_DOWN,
    REPL_KEY_LEFT,
    REPL_KEY_RIGHT,
    REPL_KEY_HOME,
    REPL_KEY_END,
    REPL_KEY_DELETE,
    REPL_KEY_ESC,
    REPL_KEY_NONE, /* no key, or one we don't use (function keys ...) */
};
