/* CPUID/XGETBV probing for kernel selection. Freestanding inline asm, so the
 * EFI build needs no compiler intrinsics headers. The bits probed come from
 * the manifest (llmbm_cpuid_bits, generated). */
#include "cpu_detect.h"

#include "kernel_dispatch.h"

void llmbm_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
    __asm__ volatile("cpuid" : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3]) : "a"(leaf), "c"(subleaf));
}

/* XCR0 is readable only when CR4.OSXSAVE is set (CPUID.1:ECX[27]);
 * otherwise xgetbv faults, and no XSAVE-managed state (AVX and up) is on. */
uint64_t llmbm_xcr0_enabled(void)
{
    uint32_t regs[4];
    llmbm_cpuid(1, 0, regs);
    if (!(regs[2] & (1u << 27))) return 0;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

void llmbm_cpu_features_detect(llmbm_cpu_features *out)
{
    uint32_t regs[4];
    llmbm_cpuid(0, 0, regs);
    const uint32_t max_basic = regs[0];
    llmbm_cpuid(0x80000000u, 0, regs);
    const uint32_t max_ext = regs[0];

    out->cpuid = 0;
    for (unsigned i = 0; i < LLMBM_CPU_FEATURE_COUNT; ++i) {
        const llmbm_cpuid_bit *b = &llmbm_cpuid_bits[i];
        /* a leaf above the maximum returns another leaf's data on Intel */
        const uint32_t max = b->leaf >= 0x80000000u ? max_ext : max_basic;
        if (b->leaf > max) continue;
        llmbm_cpuid(b->leaf, b->subleaf, regs);
        if (regs[b->reg] & (1u << b->bit)) out->cpuid |= UINT64_C(1) << i;
    }
    out->xcr0 = llmbm_xcr0_enabled();
}
