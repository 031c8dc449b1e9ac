/* The last step of loading a model, shared by the REPL and `llmbm`: choose
 * the kernel level (under isa=auto by measuring, isa_autotune.h), then lay
 * the matrices out for it (model_layout.h), and say what was chosen. Run it
 * again after the level changes (/set isa): the layouts follow in place. */
#pragma once

#include "model.h"

typedef struct llmbm_prepared {
    /* One line, no newline: "Kernels: sse2, 1.4x faster than scalar here
     * (scalar 1021.0 ms, sse2 756.1 ms, avx2 6411.4 ms: estimated kernel
     * time per token on one core, timed in 85.3 ms)" (SmolLM2-135M under
     * TCG), "Kernels: avx2 (forced, not measured)", or why not measured. */
    char kernels[320];
    uint64_t measure_us;  /* the measurement (0 when the level is forced) */
    uint64_t relayout_us; /* rewriting the matrices' layouts */
    unsigned rewritten;   /* matrices whose layout changed */
} llmbm_prepared;

void llmbm_model_prepare(llmbm_model *m, llmbm_prepared *out);
