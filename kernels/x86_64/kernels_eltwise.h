/* Entry points of the element-wise kernels of a decode step (SiLU x mul,
 * softmax, RMSNorm's scaling; eltwise_<level>.c), for the kernel files and
 * the tests; the engine reaches them through the dispatch table (ops
 * silu_mul, softmax, rms_scale, slot LLMBM_F32). Every level returns the
 * scalar level's bits. */
#pragma once

#include <stddef.h>

#include "kernel_types.h"

#define LLMBM_ELTWISE_LEVELS(X) X(scalar) X(sse2) X(avx2) X(avx512)
#define LLMBM_ELTWISE_DECLARE(level)                                                                                   \
    llmbm_silu_mul_kernel llmbm_silu_mul_f32_##level;                                                                  \
    llmbm_softmax_kernel llmbm_softmax_f32_##level;                                                                    \
    llmbm_rms_scale_kernel llmbm_rms_scale_f32_##level;                                                                \
    void llmbm_exp_f64_##level(double *y, const double *x, size_t n);
LLMBM_ELTWISE_LEVELS(LLMBM_ELTWISE_DECLARE)
#undef LLMBM_ELTWISE_DECLARE

/* llmbm_exp_f64_<level>: y[i] = eng_exp(x[i]) bit for bit, with the level's
 * vector exp (the one silu_mul and softmax use); for the tests. */
