/* Key input from ConIn, with UTF-8 typed on a serial terminal put back
 * together.
 *
 * OVMF's terminal driver (PC-ANSI, its default) and many BIOS console
 * redirections hand each byte of a serial terminal's UTF-8 to ConIn as a
 * key of its own: "é" (C3 A9) arrives as U+00C3 U+00A9. A lead byte's key
 * followed at once by continuation bytes' keys (U+0080..U+00BF) that make a
 * valid sequence is therefore read as the one character. "At once" is
 * LATER_KEY_WAIT_US: a terminal sends a character's bytes together, while
 * someone who really types "Ã" then "©" on a keyboard is slower than that;
 * the cost is that wait after typing a Latin-1 letter from U+00C2..U+00F4. */
#include "keys.h"

#include "efi.h"
#include "main.h"
#include "proto/simple_text_input.h"
#include "repl_keys.h"

#define LATER_KEY_WAIT_US 50000

static int32_t translate(const EFI_INPUT_KEY *key)
{
    if (key->UnicodeChar) return key->UnicodeChar;
    switch (key->ScanCode) {
        case SCAN_UP: return REPL_KEY_UP;
        case SCAN_DOWN: return REPL_KEY_DOWN;
        case SCAN_LEFT: return REPL_KEY_LEFT;
        case SCAN_RIGHT: return REPL_KEY_RIGHT;
        case SCAN_HOME: return REPL_KEY_HOME;
        case SCAN_END: return REPL_KEY_END;
        case SCAN_DELETE: return REPL_KEY_DELETE;
        case SCAN_ESC: return REPL_KEY_ESC;
        default: return REPL_KEY_NONE;
    }
}

/* A key read ahead while looking for continuation bytes. */
static int32_t held = REPL_KEY_NONE;

static int32_t read_one(bool wait)
{
    if (held != REPL_KEY_NONE) {
        int32_t k = held;
        held = REPL_KEY_NONE;
        return k;
    }
    for (;;) {
        EFI_INPUT_KEY key;
        EFI_STATUS st = fw_st->ConIn->ReadKeyStroke(fw_st->ConIn, &key);
        if (st == EFI_NOT_READY && wait) {
            UINTN index;
            fw_bs->WaitForEvent(1, &fw_st->ConIn->WaitForKey, &index);
            continue;
        }
        if (EFI_ERROR(st)) {
            if (!wait) return REPL_KEY_NONE;
            continue; /* EFI_DEVICE_ERROR: a flaky keyboard; keep waiting */
        }
        int32_t k = translate(&key);
        if (k != REPL_KEY_NONE || !wait) return k;
    }
}

/* The next key if one comes within LATER_KEY_WAIT_US. */
static int32_t read_soon(void)
{
    for (unsigned waited = 0; waited < LATER_KEY_WAIT_US; waited += 1000) {
        int32_t k = read_one(false);
        if (k != REPL_KEY_NONE) return k;
        fw_bs->Stall(1000);
    }
    return REPL_KEY_NONE;
}

static int32_t utf8_join(int32_t first)
{
    int need = first >= 0xc2 && first <= 0xdf   ? 1
               : first >= 0xe0 && first <= 0xef ? 2
               : first >= 0xf0 && first <= 0xf4 ? 3
                                                : 0;
    if (!need) return first;
    uint32_t cp = (uint32_t)first & (0x3f >> need);
    for (int got = 0; got < need; got++) {
        int32_t k = read_soon();
        if (k < 0x80 || k > 0xbf) {
            held = k; /* not a continuation byte: the next key */
            return got ? 0xfffd : first;
        }
        cp = cp << 6 | (uint32_t)(k & 0x3f);
    }
    /* Overlong forms and surrogates are not characters. */
    static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[need] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0xfffd;
    return (int32_t)cp;
}

int32_t fw_poll_key(void)
{
    int32_t k = read_one(false);
    return k == REPL_KEY_NONE ? k : utf8_join(k);
}

int32_t fw_read_key(void) { return utf8_join(read_one(true)); }
