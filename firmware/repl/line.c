/* The line editor: echo, backspace, CR or LF ends a line.
 *
 * Serial terminals send CR, LF or CR LF for Enter; an LF right after the CR
 * that ended the previous line is swallowed so CR LF is one Enter, not an
 * Enter and an empty line. Cursor keys and history come with the chat
 * issue; they are read and ignored here. */
#include "session.h"
#include "platform.h"
#include "text.h"

static bool last_was_cr;

static size_t utf8_encode(uint32_t c, char out[4])
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3f));
    out[2] = (char)(0x80 | (c >> 6 & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

void line_read(const repl_sys *sys, char *buf, size_t cap)
{
    size_t len = 0;
    bool full_noted = false;
    for (;;) {
        int32_t key = sys->read_key();
        bool after_cr = last_was_cr;
        last_was_cr = false;
        if (key == '\r' || key == '\n') {
            if (key == '\n' && after_cr && len == 0) {
                continue;
            }
            last_was_cr = key == '\r';
            plat_write("\n", 1);
            break;
        }
        if (key == 8 || key == 127) {
            if (len == 0)
                continue;
            /* Drop one whole UTF-8 character: its continuation bytes too. */
            do
                len--;
            while (len > 0 && ((uint8_t)buf[len] & 0xc0) == 0x80);
            plat_write("\b \b", 3);
            continue;
        }
        if (key == 3) {  /* Ctrl-C: abandon the line */
            plat_write("^C\n", 3);
            len = 0;
            break;
        }
        if (key < 0x20 || key >= REPL_KEY_UP || (key >= 0xd800 && key <= 0xdfff))
            continue;  /* other control characters and special keys */
        char enc[4];
        size_t n = utf8_encode((uint32_t)key, enc);
        if (len + n >= cap) {
            /* Full: say so once, rather than cut the line silently. */
            if (!full_noted)
                txt_printf("\n(line limit of %zu bytes reached: the rest is dropped; Enter sends the line)\n", cap - 1);
            full_noted = true;
            continue;
        }
        for (size_t i = 0; i < n; i++)
            buf[len++] = enc[i];
        plat_write(enc, n);
    }
    buf[len] = 0;
}
