/* libFuzzer harness: any bytes as a model file. Parsing must either fail
 * with a message or give a model whose forward pass runs in bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model.h"
#include "platform.h"
#include "transformer.h"

static void discard(void *ctx, const char *text, size_t len) { (void)ctx, (void)text, (void)len; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void *copy = plat_alloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    llmbm_model model;
    llmbm_err err;
    if (llmbm_model_parse(&model, copy, size, "fuzz.bin", &err)) {
        if (!err.msg[0] || !strstr(err.msg, "fuzz.bin")) __builtin_trap(); /* every error names the file */
        plat_free(copy);
        return 0;
    }
    llmbm_model_describe(&model, discard, NULL);
    llmbm_transformer tf;
    if (llmbm_transformer_init(&tf, &model, 3, &err) == 0) {
        for (uint32_t pos = 0; pos < tf.ctx_len; pos++)
            if (!llmbm_forward(&tf, (int32_t)((pos * 7 + 1) % model.config.vocab_size), pos, &err)) break;
        llmbm_transformer_free(&tf);
    }
    llmbm_model_free(&model);
    return 0;
}
