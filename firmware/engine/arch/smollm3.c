/* smollm3 (SmolLM3-3B): llama, except that every 4th layer (3, 7, 11, ...)
 * uses no positional encoding at all (NoPE). The GGUF carries no key for it:
 * llama.cpp hard-codes the step (hparams.n_no_rope_layer_step = 4), so this
 * row does too. */
#include "arch.h"

const llmbm_arch llmbm_arch_smollm3 = {
    .name = "smollm3",
    .rope_mode = LLMBM_ROPE_NORM,
    .no_rope_every = 4,
    .features = "no RoPE on every 4th layer",
};
