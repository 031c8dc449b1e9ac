/* libFuzzer harness for NAME.tpl, the chat template derived at image build
 * time: any bytes beside a model name. template_file_load must refuse what
 * it cannot use (with a warning) or give a template whose strings are all
 * NUL-terminated inside its one block. */
#include <stdint.h>
#include <string.h>

#include "fuzz_platform.h"
#include "platform.h"
#include "templates.h"

/* Read back, so that the compiler keeps the walks. */
volatile size_t template_lengths;

/* strlen walks each string to its NUL: ASan then proves it ends inside the block. */
static size_t touch(const char *s) { return s ? strlen(s) : 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_volume_put("models/m.tpl", data, size);
    chat_template *t = template_file_load("models/m.gguf");
    if (!t) return 0;
    size_t n = touch(t->name) + touch(t->sys_pre) + touch(t->sys_post) + touch(t->user_pre) + touch(t->user_post) +
               touch(t->turn_end) + touch(t->no_sys);
    for (int i = 0; i < 3; i++) n += touch(t->stops[i]);
    template_lengths = n;
    plat_free(t);
    return 0;
}
