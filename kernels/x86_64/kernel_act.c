/* Activation preparation shared by every ISA level: picks the quantizer of
 * the weight type's vec_dot format from the selected table. */
#include "kernels_api.h"

const void *llmbm_kernels_prepare_act(const llmbm_kernel_table *k, llmbm_type weight_type, const float *x, void *buf,
                                      size_t n)
{
    const llmbm_type_traits *t = llmbm_type_traits_of(weight_type);
    if (!t) return NULL;
    if (t->vec_dot_type == LLMBM_F32) return x;
    const llmbm_quantize_row_fn quantize = llmbm_kernel_quantize_row(k, t->vec_dot_type);
    if (!quantize) return NULL;
    quantize(x, buf, n);
    return buf;
}
