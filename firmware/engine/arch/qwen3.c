/* qwen3 (Qwen3 dense): no biases; Q and K are RMS-normalised per head
 * (attn_q_norm/attn_k_norm, head_size weights each) before NEOX RoPE. The head
 * size is attention.key_length, which need not be dim/n_heads. */
#include "arch.h"

const llmbm_arch llmbm_arch_qwen3 = {
    .name = "qwen3",
    .rope_mode = LLMBM_ROPE_NEOX,
    .qk_norm = true,
    .features = "per-head Q/K RMSNorm",
};
