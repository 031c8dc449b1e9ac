#include "isa.h"

#include "kernels_api.h"

static const llmbm_kernel_table *current;
static bool forced;

static const llmbm_kernel_table *best(void)
{
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    const llmbm_kernel_table *t = llmbm_kernels_select(llmbm_kernels_best_level(&cpu));
    return t ? t : llmbm_kernels_select(LLMBM_ISA_SCALAR);
}

const llmbm_kernel_table *llmbm_isa_table(void)
{
    if (!current) current = best();
    return current;
}

static void list_levels(char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    for (int l = 0; l < (int)LLMBM_ISA_COUNT; l++) {
        int n = eng_snprintf(buf + used, cap - used, "%s%s", l ? ", " : "", llmbm_isa_level_name((llmbm_isa_level)l));
        if (n < 0 || (size_t)n >= cap - used) break;
        used += (size_t)n;
    }
}

int llmbm_isa_set(const char *name, llmbm_err *err)
{
    if (!eng_strcmp(name, "auto")) {
        current = best();
        forced = false;
        return 0;
    }
    char levels[160];
    list_levels(levels, sizeof levels);
    int level = llmbm_isa_level_from_name(name);
    if (level < 0) return llmbm_fail(err, "unknown ISA level '%s' (known: auto, %s)", name, levels);
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    if (!llmbm_isa_level_supported((llmbm_isa_level)level, &cpu))
        return llmbm_fail(err, "this CPU cannot run ISA level '%s' (known: auto, %s)", name, levels);
    const llmbm_kernel_table *t = llmbm_kernels_select((llmbm_isa_level)level);
    if (!t) return llmbm_fail(err, "ISA level '%s' is not in this build", name);
    current = t;
    forced = true;
    return 0;
}

const char *llmbm_isa_name(void) { return llmbm_isa_table()->name; }

bool llmbm_isa_forced(void) { return forced; }

void llmbm_isa_use_measured(int level)
{
    const llmbm_kernel_table *t = llmbm_kernels_select((llmbm_isa_level)level);
    if (!forced && t) current = t;
}
