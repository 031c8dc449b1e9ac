/* llama (and the llama-shaped: SmolLM2, TinyLlama, Mistral, Llama 3.x). Llama
 * 3.x's RoPE scaling arrives as the rope_freqs.weight tensor (per-pair
 * frequency divisors the converter computed), which every architecture may
 * carry; linear scaling as {arch}.rope.scaling.*. Both are read for all. */
#include "arch.h"

const llmbm_arch llmbm_arch_llama = {
    .name = "llama",
    .rope_mode = LLMBM_ROPE_NORM,
    .features = "",
};
