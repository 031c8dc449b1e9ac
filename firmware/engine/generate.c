#include "generate.h"

#include "platform.h"

int llmbm_generate(llmbm_session *s, llmbm_sampler *sampler, const int32_t *prompt, uint32_t n_prompt, uint32_t steps,
                   llmbm_token_fn on_token, void *ctx, llmbm_gen_stats *stats, llmbm_err *err)
{
    const llmbm_tokenizer *tok = s->tok;
    llmbm_gen_stats st = {n_prompt, 0, 0, 0, 0};
    if (n_prompt < 1) return llmbm_fail(err, "expected at least one prompt token");
    if (steps > s->cap) steps = s->cap;
    llmbm_session_reset(s);
    for (uint32_t i = 0; i < n_prompt; i++) llmbm_sampler_accept(sampler, prompt[i]);
    /* run.c computes positions 0..steps-1: the prompt's first `steps` tokens
     * and, past the prompt, the sampled ones; it shows each token after the
     * first, the one sampled at the last position included. Without a BOS
     * in front (a GGUF vocabulary with add_bos_token false) the first prompt
     * token is text: show it too, as decoded at the start of a sequence. */
    bool go_on = steps > 0;
    if (go_on && !(tok->bos_id >= 0 && prompt[0] == tok->bos_id))
        go_on = on_token(ctx, prompt[0], llmbm_decode(tok, -1, prompt[0]));
    uint32_t n_feed = n_prompt < steps ? n_prompt : steps;
    if (llmbm_session_append(s, prompt, n_feed, err)) return -1;
    for (uint32_t i = 1; go_on && i < n_prompt && i <= steps; i++)
        go_on = on_token(ctx, prompt[i], llmbm_decode(tok, prompt[i - 1], prompt[i]));
    if (go_on && steps >= n_prompt) {
        if (llmbm_session_eval(s, err) < 0) return -1;
        st.first_token_us = plat_now_us();
        int32_t prev = prompt[n_prompt - 1];
        /* each round computes the last token (if pending) and samples after it */
        while (s->n <= steps) {
            int32_t next;
            llmbm_step_result r = llmbm_session_step(s, sampler, &next, err);
            if (r == LLMBM_STEP_ERROR) return -1;
            /* llama2.c: BOS delimits sequences, so it ends the text; GGUF
             * models end at EOS/EOT. Only a generated one ends it: a chat
             * prompt holds end-of-turn markers that must be fed, not obeyed. */
            if (r == LLMBM_STEP_END) break;
            st.generated_tokens++;
            if (!on_token(ctx, next, llmbm_decode(tok, prev, next)) || r == LLMBM_STEP_FULL) break;
            prev = next;
        }
    }
    st.positions = s->n_past;
    st.end_us = plat_now_us();
    if (stats) *stats = st;
    return 0;
}
