/* The reference element-wise loops: llama2.c run.c's silu, softmax and
 * rmsnorm scaling, float for float (exp is eng_exp's, from eng_exp.h). Every
 * SIMD level must produce these exact bits (tests/unit/kernels checks), which
 * keeps the engine's tokens identical to run.c at every level. */
#include "eng_exp.h"
#include "kernels_eltwise.h"

void llmbm_silu_mul_f32_scalar(float *hb, const float *hb2, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        float val = hb[i];
        val *= (1.0f / (1.0f + eng_expf_inline(-val)));
        val *= hb2[i];
        hb[i] = val;
    }
}

void llmbm_softmax_f32_scalar(float *x, size_t n)
{
    if (n == 0) return;
    float max_val = x[0];
    for (size_t i = 1; i < n; ++i)
        if (x[i] > max_val) max_val = x[i];
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) {
        x[i] = eng_expf_inline(x[i] - max_val);
        sum += x[i];
    }
    for (size_t i = 0; i < n; ++i) x[i] /= sum;
}

void llmbm_rms_scale_f32_scalar(float *o, const float *x, const float *weight, float scale, size_t n)
{
    for (size_t i = 0; i < n; ++i) o[i] = weight[i] * (scale * x[i]);
}

void llmbm_exp_f64_scalar(double *y, const double *x, size_t n)
{
    for (size_t i = 0; i < n; ++i) y[i] = eng_exp_inline(x[i]);
}
