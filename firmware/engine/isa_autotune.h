/* Measuring which kernel level runs a model fastest on this machine. The most capable level is not always the fastest: QEMU's TCG
 * emulates AVX2 about ten times slower than SSE2, and real CPUs have milder
 * forms of the trap (AVX-512 frequency drops, 512-bit units that are two
 * 256-bit ones). So under isa=auto the level is measured, not assumed.
 *
 * What is timed, for each level the CPU supports, on one core:
 *  - each distinct kernel the model's mat-vec matrices would run at that
 *    level (their type in the layout they would get there, model_layout.h):
 *    one test mat-vec of about 32K elements with the model's row length,
 *    activation quantization included;
 *  - what a layer does besides its mat-vecs (RMSNorm scaling, attention of
 *    every head over 128 positions, SiLU) and the softmax over the
 *    vocabulary that sampling at a temperature runs.
 * Each is the best of 3 rounds of at least 100 us (of 2 when those took
 * over 2 ms: an emulated level); levels that carry a lower level's kernels
 * share their timings. A level's estimate is the model's
 * matrix elements times each kernel's time per element, plus the layers'
 * and the vocabulary's share: the time per token of the code that differs
 * between levels (f32 and llama2.c int8 mat-vecs run the engine's own loops,
 * the same at every level, and are left out). From data in cache: on real
 * hardware it ranks compute, not the memory bandwidth a big model's token
 * is bound by, the same way for every level.
 *
 * Budget: 3 rounds of >= 100 us per timed probe: SmolLM2-135M (Q4_1 and
 * Q8_0 mat-vecs, a layer's rest, the vocabulary softmax) at 3 levels is 12
 * probes, ~4 ms on real hardware (2-15 ms on this project's loaded 2-core
 * VM). Under TCG a round is one call, up to ~10 ms for avx2's emulated
 * attention and exp: 50-100 ms in all for SmolLM2-135M, 7-20 ms for
 * stories260K. */
#pragma once

#include "model.h"

#define LLMBM_AUTOTUNE_MAX_LEVELS 8

typedef struct llmbm_autotune {
    unsigned n_levels;                    /* levels timed, least capable first */
    int level[LLMBM_AUTOTUNE_MAX_LEVELS]; /* llmbm_isa_level */
    const char *name[LLMBM_AUTOTUNE_MAX_LEVELS];
    double token_ms[LLMBM_AUTOTUNE_MAX_LEVELS]; /* estimated kernel ms per token, one core */
    unsigned fastest;                           /* index into the arrays; the lower level on a tie */
    unsigned kernels_timed;                     /* distinct mat-vec kernels and rest-of-token sets timed */
    uint64_t cost_us;                           /* wall time of the whole measurement */
    const char *not_measured;                   /* why nothing was timed, or NULL */
} llmbm_autotune;

/* Times every level the CPU supports on m's kernels (m itself is only
 * read). False with out->not_measured set when there was no memory for the
 * test data. */
bool llmbm_autotune_measure(llmbm_model *m, llmbm_autotune *out);
