/* qwen2 (Qwen2, Qwen2.5): llama plus Q/K/V biases, NEOX RoPE. */
#include "arch.h"

const llmbm_arch llmbm_arch_qwen2 = {
    .name = "qwen2",
    .rope_mode = LLMBM_ROPE_NEOX,
    .qkv_bias = true,
    .features = "Q/K/V biases",
};
