/* libFuzzer harness for the prompt's line editor (line.c, line_edit.c,
 * line_view.c, history.c) fed random key sequences. Byte 0 picks the console
 * width, byte 1 the line buffer's size; the rest are keys: 0xf8..0xff are
 * the non-character keys (arrows, Home, End, Delete, Esc, none), anything
 * else UTF-8 (an invalid byte is that byte as a code point). The end of the
 * input is Enter; every line read must be within the buffer and UTF-8. */
#include <stdint.h>
#include <string.h>

#include "line_edit.h"
#include "repl.h"
#include "session.h"
#include "repl_keys.h"

static const uint8_t *in;
static size_t in_len, in_pos;
static unsigned width;

static int32_t take_key(void)
{
    uint8_t b = in[in_pos++];
    if (b >= 0xf8) return REPL_KEY_UP + (b - 0xf8);
    size_t extra = b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : 0;
    if (!extra || in_pos + extra > in_len) return b;
    int32_t cp = b & (extra == 2 ? 0x0f : 0x1f);
    for (size_t i = 0; i < extra; i++) cp = cp << 6 | (in[in_pos++] & 0x3f);
    return cp;
}

static int32_t read_key(void) { return in_pos < in_len ? take_key() : '\r'; }

/* Every other poll finds a key: both the burst path and the waiting path run. */
static int32_t poll_key(void)
{
    static unsigned polls;
    if (in_pos >= in_len || (polls++ & 1)) return REPL_KEY_NONE;
    return take_key();
}

static unsigned columns(void) { return width; }

static unsigned cell_width(uint32_t cp)
{
    if (cp >= 0x300 && cp < 0x370) return 0;
    if (cp >= 0x1100 && cp < 0xa000) return 2;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    width = 1 + data[0] % 200;
    size_t cap = 2 + data[1] * 4u;
    in = data + 2;
    in_len = size - 2;
    in_pos = 0;
    repl_sys sys = {.read_key = read_key,
                    .poll_key = poll_key,
                    .columns = columns,
                    .cell_width = (data[0] & 1) ? cell_width : NULL};
    char buf[2 + 255 * 4];
    for (int lines = 0; lines < 64; lines++) {
        memset(buf, 0x55, sizeof buf);
        line_read(&sys, buf, cap);
        size_t len = strnlen(buf, cap);
        if (len >= cap) __builtin_trap();
        if (utf8_count(buf, len) > len) __builtin_trap();
        (void)line_interrupt_pending(&sys);
        if (in_pos >= in_len) break;
    }
    return 0;
}
