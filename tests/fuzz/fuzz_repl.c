/* libFuzzer harness for the REPL's command line: the firmware's REPL in
 * process, over an in-memory boot volume (fuzz_platform.c) holding the files
 * of $LLMBM_FUZZ_FILES (tiny models, a tokenizer, repl.cfg with a model=).
 * The input is REPL lines, as typed; after a NUL byte, the rest of it is a
 * file named fuzz.bin on the volume (for /load, /model_info, /autorun). A
 * /shutdown or /reboot ends the input. After each input the settings go
 * back to repl.cfg's and the conversation starts over, so an input means
 * the same thing whatever ran before it (a model it loaded stays). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_platform.h"
#include "platform.h"
#include "selftest.h"
#include "session.h"
#include "repl_keys.h"

static jmp_buf powered_off;

static int32_t no_key(void) { return REPL_KEY_NONE; }

static int32_t enter(void) { return '\r'; }

typedef struct {
    const char *dir;
    size_t dir_len;
    repl_dir_fn fn;
    void *ctx;
} listing;

static void list_one(void *ctx, const char *name, size_t size)
{
    listing *l = ctx;
    const char *rest = name + l->dir_len;
    if (l->dir_len && *rest++ != '/') return;
    if (strchr(rest, '/')) return;
    repl_dirent e = {rest, size, false};
    l->fn(l->ctx, &e);
}

static bool list_dir(const char *dir, repl_dir_fn fn, void *ctx)
{
    listing l = {dir, strlen(dir), fn, ctx};
    fuzz_volume_each(dir, list_one, &l);
    return true;
}

static void memory(uint64_t *free_total, uint64_t *largest) { *free_total = *largest = (uint64_t)1 << 30; }

static void power_off(void) { longjmp(powered_off, 1); }

static unsigned use_cores(unsigned limit)
{
    (void)limit;
    return 1;
}

static unsigned core_id(void) { return 0; }

static const repl_sys sys = {
    .read_key = enter,
    .poll_key = no_key,
    .list_dir = list_dir,
    .memory = memory,
    .reboot = power_off,
    .shutdown = power_off,
    .use_cores = use_cores,
    .core_id = core_id,
};

static repl_state st;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = fuzz_files_dir();
    if (!dir || !fuzz_volume_load_dir(dir)) {
        fprintf(stderr, "fuzz_repl: set LLMBM_FUZZ_FILES to the directory of the volume's files\n");
        exit(1);
    }
    fuzz_volume_mark();
    st.sys = &sys;
    cfg_init(&st.cfg);
    st.cfg_found = cfg_load(&st.cfg, "repl.cfg");
    cores_apply(&st);
    session_boot(&st);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t text_len = nul ? (size_t)(nul - data) : size;
    if (nul) fuzz_volume_put("fuzz.bin", nul + 1, size - text_len - 1);
    char *text = malloc(text_len + 1);
    memcpy(text, data, text_len);
    text[text_len] = 0;
    /* volatile: read after a longjmp */
    char *volatile line = text;
    if (!setjmp(powered_off)) {
        while (line) {
            char *nl = strchr(line, '\n');
            if (nl) *nl = 0;
            repl_execute(&st, line);
            line = nl ? nl + 1 : NULL;
        }
    }
    free(text);
    fuzz_volume_reset_to_mark();
    /* Back to repl.cfg's settings, telling the session about each that changed
     * (/set's copies stay where settings.c keeps them). */
    repl_cfg boot;
    cfg_init(&boot);
    (void)cfg_load(&boot, "repl.cfg");
    repl_cfg now = st.cfg;
    char *old_text = st.cfg.file_text;
    st.cfg = boot;
    for (int k = 0; k < CFG_COUNT; k++)
        if (strcmp(now.values[k].text, boot.values[k].text)) session_setting_changed(&st, k);
    plat_free(old_text);
    session_reset(&st);
    return 0;
}
