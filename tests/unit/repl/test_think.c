/* The think display stage (firmware/repl/think.c) fed text in pieces of
 * every size: what reaches the console, and when the style changes, for
 * think=show and think=hide, tags split across pieces, false starts ("<b>",
 * "</thin"), and an answer that begins inside the think block (DeepSeek-R1's
 * generation prompt opens it). The platform calls are stubs that record. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "platform.h"
#include "think.h"

/* ---- stubs: the console and what think.c links against ---- */

static char shown[1024];
static size_t n_shown;

void plat_write(const char *text, size_t len)
{
    for (size_t i = 0; i < len && n_shown + 1 < sizeof shown; i++) shown[n_shown++] = text[i];
    shown[n_shown] = 0;
}

/* The style hook marks its changes in the text: {T} dimmed, {A} answer. */
static void style(int s) { plat_write(s == REPL_STYLE_THINK ? "{T}" : s == REPL_STYLE_ANSWER ? "{A}" : "{?}", 3); }

void *plat_alloc(size_t size) { return malloc(size ? size : 1); }

void plat_free(void *p) { free(p); }

/* config.c's and think_forget's other calls: not reached by these tests. */
plat_file *plat_open(const char *path, uint64_t *size)
{
    (void)path, (void)size;
    return 0;
}

bool plat_read(plat_file *f, uint64_t off, void *buf, size_t len)
{
    (void)f, (void)off, (void)buf, (void)len;
    return false;
}

void plat_close(plat_file *f) { (void)f; }

size_t llmbm_encode_capacity(size_t n) { return n + 8; }

size_t llmbm_encode(const llmbm_tokenizer *t, const char *s, bool bos, bool eos, int32_t *out)
{
    (void)t, (void)s, (void)bos, (void)eos, (void)out;
    return 0;
}

int32_t llmbm_token_lookup(const llmbm_tokenizer *t, const char *piece, size_t len)
{
    (void)t, (void)piece, (void)len;
    return -1;
}

const char *llmbm_decode(const llmbm_tokenizer *t, int32_t prev, int32_t token)
{
    (void)t, (void)prev, (void)token;
    return "";
}

/* ---- the tests ---- */

static const repl_sys console = {.style = style};

/* Feeds `text` in pieces of `step` bytes through a stage in `mode`. */
/* think_forget's history edit is the session's (tested in test_session.py). */
int llmbm_session_erase(llmbm_session *s, uint32_t from, uint32_t count, llmbm_err *err)
{
    (void)s, (void)from, (void)count, (void)err;
    return -1;
}

static const char *run(const char *mode, const chat_template *t, const char *text, size_t step)
{
    repl_state st = {0};
    st.sys = &console;
    cfg_init(&st.cfg);
    const char *why;
    CHECK(cfg_set(&st.cfg, "think", mode, CFG_FROM_SET, 0, &why));
    n_shown = 0;
    shown[0] = 0;
    think_stage th;
    think_begin(&th, &st, t);
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i += step) think_write(&th, text + i, len - i < step ? len - i : step);
    think_end(&th);
    return shown;
}

static const chat_template chatml = {.name = "t", .user_post = "<|im_end|>\n<|im_start|>assistant\n"};
static const chat_template opens_think = {.name = "r1", .user_post = "<|Assistant|><think>\n"};

static void test_every_split(void)
{
    const char *answer = "<think>\nhmm <b> </thin x\n</think>\n\nThe <answer>.";
    for (size_t step = 1; step <= strlen(answer); step++) {
        CHECK_MSG(
            !strcmp(run("show", &chatml, answer, step), "{T}<think>\nhmm <b> </thin x\n</think>{A}\n\nThe <answer>."),
            "show, step %zu: %s", step, shown);
        CHECK_MSG(!strcmp(run("hide", &chatml, answer, step), "{T}[thinking...] {A}The <answer>."),
                  "hide, step %zu: %s", step, shown);
    }
}

static void test_plain_text_passes(void)
{
    CHECK(!strcmp(run("hide", &chatml, "a < b and <thinking> too <", 3), "a < b and <thinking> too <"));
    CHECK(!strcmp(run("show", 0, "raw <think>x</think>", 4), "raw {T}<think>x</think>{A}"));
}

static void test_answer_starting_inside(void)
{
    CHECK(!strcmp(run("show", &opens_think, "x\n</think>\n\ny", 2), "{T}<think>x\n</think>{A}\n\ny"));
    CHECK(!strcmp(run("hide", &opens_think, "x\n</think>\n\ny", 2), "{T}[thinking...] {A}y"));
    /* Cut off while thinking: the dimmed style still ends. */
    CHECK(!strcmp(run("show", &chatml, "<think>never done", 5), "{T}<think>never done{A}"));
}

int main(void)
{
    test_every_split();
    test_plain_text_passes();
    test_answer_starting_inside();
    return CHECK_DONE();
}
