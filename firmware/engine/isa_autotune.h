/* Measuring which kernel level computes a model's mat-vecs fastest on this
 * machine. The most capable level is not always the fastest: QEMU's TCG
 * emulates AVX2 about ten times slower than SSE2, and real CPUs have milder
 * forms of the trap (AVX-512 frequency drops, 512-bit units that are two
 * 256-bit ones). So under isa=auto the level is measured, not assumed.
 *
 * What is timed: for each level the CPU supports and each distinct kernel
 * the model's mat-vec matrices would run at that level (their type in the
 * layout they would get, model_layout.h), one test mat-vec of about 32K
 * elements with the model's row length, activation quantization included,
 * on one core: best of 3 rounds of at least 100 us each. Levels that share a
 * kernel share its timing. The estimate per level is the model's matrix
 * elements times each kernel's time per element: the mat-vec time of one
 * token on one core (from cached test data, so an optimistic figure on real
 * hardware, but the same for every level).
 *
 * Budget: 3 rounds x 100 us per (level, kernel) on real hardware, e.g. 4
 * levels x 3 kernels = ~4 ms; under TCG a round is one mat-vec of a few ms
 * at worst, ~0.1 s in all for a model with three weight types. */
#pragma once

#include "model.h"

#define LLMBM_AUTOTUNE_MAX_LEVELS 8

typedef struct llmbm_autotune {
    unsigned n_levels;                          /* levels timed, least capable first */
    int level[LLMBM_AUTOTUNE_MAX_LEVELS];       /* llmbm_isa_level */
    const char *name[LLMBM_AUTOTUNE_MAX_LEVELS];
    double token_ms[LLMBM_AUTOTUNE_MAX_LEVELS]; /* estimated mat-vec ms per token, one core */
    unsigned fastest;                           /* index into the arrays; the lower level on a tie */
    unsigned kernels_timed;                     /* distinct (kernel, layout) pairs measured */
    uint64_t cost_us;                           /* wall time of the whole measurement */
    const char *not_measured;                   /* why nothing was timed, or NULL */
} llmbm_autotune;

/* Times every level the CPU supports on m's mat-vec matrices (m itself is
 * only read). False with out->not_measured set when there is nothing to
 * time (no matrix whose kernel depends on the level: f32 and llama2.c's
 * int8 matrices run the engine's own loops) or no memory for the test. */
bool llmbm_autotune_measure(llmbm_model *m, llmbm_autotune *out);
