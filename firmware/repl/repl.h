/* The chat REPL's view of the machine.
 *
 * The REPL includes no UEFI header: text goes out through plat_write and
 * files are read through plat_open/plat_read (firmware/engine/platform.h);
 * everything else it needs from the platform is in repl_sys below. The EFI
 * layer fills repl_sys in firmware/efi/main.c; `llmbm repl` fills it from a
 * terminal (or a script on stdin) and a directory in
 * firmware/host/repl_host_sys.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct repl_dirent {
    const char *name; /* UTF-8, without the directory */
    uint64_t size;
    bool is_dir;
} repl_dirent;
typedef void (*repl_dir_fn)(void *ctx, const repl_dirent *entry);

/* What a piece of text is, for consoles that colour it (repl_sys.style). */
typedef enum repl_style {
    REPL_STYLE_MESSAGE, /* the REPL's own text: the default */
    REPL_STYLE_PROMPT,
    REPL_STYLE_INPUT,  /* the line being typed */
    REPL_STYLE_ANSWER, /* the model's words */
    REPL_STYLE_THINK,  /* a thinking model's reasoning: dimmed (think.c) */
} repl_style;

typedef struct repl_sys {
    /* Blocks until a key is pressed: a code point (CR = 13, LF = 10,
     * backspace = 8 or 127, Ctrl-C = 3) or a REPL_KEY_* value (repl_keys.h). */
    int32_t (*read_key)(void);
    /* The same without waiting: REPL_KEY_NONE when no key is pending. For
     * Esc/Ctrl-C checks between generated tokens. */
    int32_t (*poll_key)(void);
    /* Calls fn for every entry of dir ('/'-separated, "" = root of the boot
     * volume). False if the directory cannot be opened. */
    bool (*list_dir)(const char *dir, repl_dir_fn fn, void *ctx);
    /* Free memory now, for the loader's budget: the sum of free blocks and
     * the largest single one (a model's weights and its KV cache are each
     * one allocation, so the largest block is what decides). */
    void (*memory)(uint64_t *free_total, uint64_t *largest_free);
    /* Neither returns. */
    void (*reboot)(void);
    void (*shutdown)(void);
    /* Cores plat_parallel_for may use: `limit` (0: all the platform has
     * running); returns how many are in use now. */
    unsigned (*use_cores)(unsigned limit);
    /* An id of the calling core, distinct per core. Callable from a
     * plat_parallel_for range function on any core (/selftest). */
    unsigned (*core_id)(void);
    /* Columns of the text console (NULL: 80). The line editor never writes
     * into the last one, so a long line scrolls instead of wrapping. */
    unsigned (*columns)(void);
    /* Microseconds the platform spent before calling repl_run (EFI: since
     * efi_main was entered), for the ready-time line; NULL: not counted. */
    uint64_t (*startup_us)(void);
    /* Microseconds before that start (EFI: the UEFI firmware and boot
     * manager since the CPU's reset, by the TSC); 0 or NULL: unknown. */
    uint64_t (*before_start_us)(void);
    /* Settings from the platform's command line, "key=value" each, NULL-
     * terminated (or NULL): `llmbm repl -m FILE` is model=FILE, --isa L is
     * isa=L. They replace repl.cfg's (/cfg shows "command line"); the
     * strings must live as long as the REPL. */
    const char *const *settings;
    /* Colours what is written from now on (NULL: a plain console). */
    void (*style)(int repl_style);
    /* The framebuffer font's scale, 1..8 or 0 for automatic (repl.cfg
     * font_scale=); returns the scale in use, 0 when the console is not
     * one the REPL can scale (NULL: the same). */
    unsigned (*set_font_scale)(unsigned scale);
    /* Cells a character takes on the console: 0, 1 or 2 (NULL: one each).
     * The console's backspace then steps over a whole character. */
    unsigned (*cell_width)(uint32_t cp);
} repl_sys;

/* Reads repl.cfg (reporting problems), prints the model status and runs
 * the prompt loop until /reboot or /shutdown. */
void repl_run(const repl_sys *sys) __attribute__((noreturn));

/* For a platform that needs a setting before repl_run (the EFI layer starts
 * the other cores before the banner: mp=, ap_timeout_ms=): the value /cfg
 * would show for `key` from repl.cfg alone (the file's if valid, else the
 * default), into out[cap]. Reads the file quietly: repl_run reports its
 * problems. False for an unknown key or a value longer than cap. */
bool repl_cfg_peek(const char *key, char *out, size_t cap);

/* The exact prompt string; tests wait for it. */
#define REPL_PROMPT "llmbm> "
