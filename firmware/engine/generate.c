#include "generate.h"

#include "platform.h"

int llmbm_generate(llmbm_transformer *tf, const llmbm_tokenizer *tok, llmbm_sampler *sampler,
                   const int32_t *prompt, uint32_t n_prompt, uint32_t steps, llmbm_token_fn on_token, void *ctx,
                   llmbm_gen_stats *stats, llmbm_err *err) {
    llmbm_gen_stats st = {n_prompt, 0, 0, 0, 0};
    if (n_prompt < 1) return llmbm_fail(err, "expected at least one prompt token");
    if (steps > tf->ctx_len) steps = tf->ctx_len;
    for (uint32_t i = 0; i < n_prompt; i++) llmbm_sampler_accept(sampler, prompt[i]);
    int32_t token = prompt[0];
    /* Without a BOS in front (a GGUF vocabulary with add_bos_token false)
     * the first prompt token is text: show it too, as decoded at the start
     * of a sequence (prev -1). */
    if (!(tok->bos_id >= 0 && token == tok->bos_id)) {
        if (!on_token(ctx, token, llmbm_decode(tok, -1, token))) steps = 0;
    }
    uint32_t pos = 0;
    while (pos < steps) {
        float *logits = llmbm_forward(tf, token, pos, err);
        if (!logits) return -1;
        int32_t next;
        bool sampled = pos + 1 >= n_prompt;
        if (!sampled) {
            next = prompt[pos + 1];
        } else {
            next = llmbm_sample(sampler, logits);
            llmbm_sampler_accept(sampler, next);
            st.generated_tokens++;
        }
        pos++;
        st.positions = pos;
        /* llama2.c: BOS delimits sequences, so it ends the text; GGUF
         * models end at EOS/EOT (llmbm_token_is_eog). Only a generated one
         * ends it: a chat prompt holds end-of-turn markers (<|im_end|>)
         * that must be fed, not obeyed. */
        if (sampled && llmbm_token_is_eog(tok, next)) break;
        bool go_on = on_token(ctx, next, llmbm_decode(tok, token, next));
        token = next;
        if (st.first_token_us == 0) st.first_token_us = plat_now_us();
        if (!go_on) break;
    }
    st.end_us = plat_now_us();
    if (stats) *stats = st;
    return 0;
}
