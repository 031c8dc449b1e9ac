/* The layout decision: which in-memory layout a level's kernels want for a
 * matrix, answered from the level's generated table (the manifest's kernels
 * and type_table.def's layouts, llmbm_build/type_table.py). */
#include "kernels_api.h"

llmbm_type llmbm_kernels_matrix_layout(const llmbm_kernel_table *k, llmbm_type file_type, uint32_t rows)
{
    if ((unsigned)file_type >= LLMBM_KERNEL_TYPE_SLOTS) return file_type;
    const llmbm_layout_choice choice = k->layouts[file_type];
    if (choice.grouped && rows % llmbm_type_traits_of((llmbm_type)choice.grouped)->group_rows == 0)
        return (llmbm_type)choice.grouped;
    return choice.single ? (llmbm_type)choice.single : file_type;
}
