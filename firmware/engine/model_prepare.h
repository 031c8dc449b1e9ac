/* The last step of loading a model, shared by the REPL and `llmbm`: choose
 * the kernel level (under isa=auto by measuring, isa_autotune.h), then lay
 * the matrices out for it (model_layout.h), and say what was chosen. Run it
 * again after the level changes (/set isa): the layouts follow in place. */
#pragma once

#include "model.h"

typedef struct llmbm_prepared {
    /* One line, no newline: "Kernels: sse2, 11.5x faster than avx2 here
     * (scalar 41.02 ms, sse2 22.31 ms, avx2 256.10 ms: estimated mat-vec
     * time per token on one core, timed in 42 ms)", or why not measured. */
    char kernels[320];
    uint64_t measure_us;  /* the measurement (0 when the level is forced) */
    uint64_t relayout_us; /* rewriting the matrices' layouts */
    unsigned rewritten;   /* matrices whose layout changed */
} llmbm_prepared;

void llmbm_model_prepare(llmbm_model *m, llmbm_prepared *out);
