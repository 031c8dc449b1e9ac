/* libFuzzer harness for the whole GGUF model build, as the REPL and `llmbm`
 * load a file: read and parse, prepare the matrices, the GGUF tokenizer,
 * the run state, then a prompt encoded and a few tokens generated. Every
 * step must either fail with a message naming the file or work in bounds. */
#include <stdint.h>
#include <string.h>

#include "fuzz_platform.h"
#include "generate.h"
#include "isa.h"
#include "model.h"
#include "model_prepare.h"
#include "platform.h"
#include "sampler.h"
#include "tokenizer.h"
#include "transformer.h"

#define NAME "fuzz.gguf"

static bool on_token(void *ctx, int32_t token, const char *piece)
{
    (void)ctx, (void)token;
    return piece != NULL;
}

static void named(const llmbm_err *err)
{
    if (!err->msg[0] || !strstr(err->msg, NAME)) __builtin_trap();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    llmbm_err err;
    /* Measuring every level per input would be most of the time spent. */
    (void)llmbm_isa_set("sse2", &err);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_volume_put(NAME, data, size);
    llmbm_model model;
    llmbm_err err;
    if (llmbm_model_read(&model, NAME, &err)) {
        named(&err);
        return 0;
    }
    llmbm_prepared prep;
    llmbm_model_prepare(&model, &prep);
    llmbm_tokenizer tok;
    if (llmbm_tokenizer_from_gguf(&tok, NAME, model.config.vocab_size, &err) == 0) {
        llmbm_session sess;
        uint32_t ctx = model.config.seq_len < 12 ? model.config.seq_len : 12;
        /* batches of 5: a prompt takes more than one, the answer one token each */
        llmbm_run_params run = {ctx, 5, false, LLMBM_KV_AUTO};
        if (llmbm_session_open(&sess, &model, &tok, &run, &err) == 0) {
            llmbm_sampler_params params = llmbm_sampler_defaults();
            params.temperature = 0;
            llmbm_sampler sampler;
            if (llmbm_sampler_init(&sampler, model.config.vocab_size, &params, &err) == 0) {
                static const char prompt[] = "Once upon a time <s> \xe2\x96\x81\xff";
                int32_t ids[256];
                size_t n = llmbm_encode(&tok, prompt, true, false, ids);
                if (n > llmbm_encode_capacity(sizeof prompt - 1)) __builtin_trap();
                llmbm_gen_stats stats;
                if (n && n < ctx)
                    (void)llmbm_generate(&sess, &sampler, ids, (uint32_t)n, ctx, on_token, NULL, &stats, &err);
                llmbm_sampler_free(&sampler);
            }
            llmbm_session_close(&sess);
        }
        llmbm_tokenizer_free(&tok);
    } else {
        named(&err);
    }
    llmbm_model_free(&model);
    return 0;
}
