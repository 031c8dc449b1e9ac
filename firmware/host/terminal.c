/* The keyboard of `llmbm repl`: stdin, as a terminal or as a script.
 *
 * On a terminal, stdin goes to raw mode (no line discipline, no echo, no
 * signals: the REPL's line editor draws the line and Ctrl-C is a key that
 * stops an answer), output processing stays on so "\n" still returns the
 * carriage. The old mode comes back at exit and on SIGINT/SIGTERM/SIGHUP.
 *
 * Keys are decoded to what the firmware's console gives the REPL: UTF-8
 * to code points, ESC [ A/B/C/D and ESC O A.. to the arrows, ESC [ H/F,
 * ESC [ 1~/7~ and 4~/8~ to Home/End, ESC [ 3~ to Delete, a lone ESC to Esc.
 * On a terminal a lone ESC is told from the start of a sequence by a short
 * wait, as every terminal program does.
 *
 * Not a terminal: the bytes are typed input, like llmbm-qemu --input. A pipe
 * holds the whole script at once, so keys are only taken when the REPL
 * reads a line; between tokens of an answer only an Esc or Ctrl-C at the
 * head of the input is taken (as llmbm-qemu presses them with @key), and
 * everything else waits for the next prompt. Reading further would echo a
 * script's later lines in the middle of an answer and overflow the REPL's
 * type-ahead queue on a long script. End of input ends the session. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "host_terminal.h"
#include "repl_keys.h"

/* How long a terminal may take to send the rest of an escape sequence. */
#define ESC_WAIT_MS 30

static bool is_tty;
static bool raw_on;
static struct termios saved;
static bool at_eof;

/* Bytes read but not yet decoded: a peeked byte, or the tail of a sequence
 * that turned out not to be one. */
static unsigned char pushback[16];
static unsigned n_pushback;

void term_restore(void)
{
    if (raw_on) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        raw_on = false;
    }
}

static void on_signal(int sig)
{
    /* tcsetattr is async-signal-safe; then die of the signal as usual. */
    if (raw_on) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

bool term_init(void)
{
    is_tty = isatty(STDIN_FILENO);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (!is_tty) return true;
    if (tcgetattr(STDIN_FILENO, &saved) != 0) return false;
    struct termios raw = saved;
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR | IGNCR | ISTRIP | BRKINT);
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0) return false;
    raw_on = true;
    atexit(term_restore);
    return true;
}

bool term_is_tty(void) { return is_tty; }

unsigned term_columns(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col > 1000 ? 1000 : ws.ws_col;
    return 80;
}

/* One byte: waiting up to wait_ms (-1: forever). -1 if none came (or end of
 * input, which also sets at_eof). */
static int next_byte(int wait_ms)
{
    if (n_pushback) {
        int b = pushback[0];
        memmove(pushback, pushback + 1, --n_pushback);
        return b;
    }
    if (at_eof) return -1;
    if (wait_ms >= 0) {
        struct pollfd p = {STDIN_FILENO, POLLIN, 0};
        int r;
        while ((r = poll(&p, 1, wait_ms)) < 0 && errno == EINTR) {
        }
        if (r <= 0) return -1;
    }
    unsigned char b;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, &b, 1);
        if (n == 1) return b;
        if (n < 0 && errno == EINTR) continue;
        at_eof = true;
        return -1;
    }
}

static void unread(int b)
{
    if (b < 0 || n_pushback == sizeof pushback) return;
    memmove(pushback + 1, pushback, n_pushback++);
    pushback[0] = (unsigned char)b;
}

/* After ESC: the rest of a CSI/SS3 sequence, or Esc itself. */
static int32_t decode_escape(void)
{
    int wait = is_tty ? ESC_WAIT_MS : 0;
    int b = next_byte(wait);
    if (b != '[' && b != 'O') {
        unread(b);
        return REPL_KEY_ESC;
    }
    char param[8];
    unsigned n = 0;
    int c;
    while ((c = next_byte(wait)) >= 0 && ((c >= '0' && c <= '9') || c == ';'))
        if (n + 1 < sizeof param) param[n++] = (char)c;
    param[n] = 0;
    switch (c) {
        case 'A': return REPL_KEY_UP;
        case 'B': return REPL_KEY_DOWN;
        case 'C': return REPL_KEY_RIGHT;
        case 'D': return REPL_KEY_LEFT;
        case 'H': return REPL_KEY_HOME;
        case 'F': return REPL_KEY_END;
        case '~':
            if (!strcmp(param, "1") || !strcmp(param, "7")) return REPL_KEY_HOME;
            if (!strcmp(param, "4") || !strcmp(param, "8")) return REPL_KEY_END;
            if (!strcmp(param, "3")) return REPL_KEY_DELETE;
            return REPL_KEY_NONE;
        default: return REPL_KEY_NONE; /* function keys, mouse reports ... */
    }
}

/* A key starting with byte b. */
static int32_t decode(int b)
{
    if (b == 0x1b) return decode_escape();
    if (b < 0x80) return b;
    int extra = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : -1;
    if (extra < 0) return 0xfffd; /* a stray continuation byte */
    int32_t cp = b & (0x3f >> extra);
    for (int i = 0; i < extra; i++) {
        int c = next_byte(is_tty ? ESC_WAIT_MS : 0);
        if (c < 0 || (c & 0xc0) != 0x80) {
            unread(c);
            return 0xfffd;
        }
        cp = cp << 6 | (c & 0x3f);
    }
    return cp;
}

int32_t term_read_key(void)
{
    for (;;) {
        int b = next_byte(-1);
        if (b < 0) return TERM_END_OF_INPUT;
        int32_t key = decode(b);
        if (key != REPL_KEY_NONE) return key;
    }
}

int32_t term_poll_key(void)
{
    int b = next_byte(0);
    if (b < 0) return REPL_KEY_NONE;
    if (!is_tty && b != 0x1b && b != 3) {
        unread(b); /* the next line's: it waits for its prompt */
        return REPL_KEY_NONE;
    }
    return decode(b);
}

size_t term_take_pending(unsigned char *out, size_t cap)
{
    size_t n = n_pushback < cap ? n_pushback : cap;
    memcpy(out, pushback, n);
    n_pushback = 0;
    return n;
}

void term_give_pending(const unsigned char *bytes, size_t n)
{
    for (size_t i = n; i-- > 0;) unread(bytes[i]);
}
