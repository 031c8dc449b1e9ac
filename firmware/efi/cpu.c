/* Enabling the SIMD register state, and the CPU facts the banner and the
 * MP code need.
 *
 * OVMF (and some real firmware) hands over with CR4.OSXSAVE clear and XCR0
 * holding only x87|SSE, so the first AVX instruction would fault (#UD). We
 * turn on exactly what CPUID says the CPU and XSAVE area support.
 *
 * Which CPUID bit means what is the kernels' table (manifest.toml, read by
 * llmbm_cpu_features_detect): this file asks it rather than keeping its own,
 * so the banner names the same level dispatch chooses. */
#include "cpu.h"

#include "cpu_detect.h"
#include "efi.h"
#include "kernel_dispatch.h"
#include "main.h"
#include "rt_string.h"

static void xsetbv(uint32_t index, uint64_t value)
{
    __asm__ volatile("xsetbv" : : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE    (1ull << 18)

#define XCR0_AVX512 (LLMBM_XCR0_OPMASK | LLMBM_XCR0_ZMM_HI256 | LLMBM_XCR0_HI16_ZMM)

void fw_cpu_enable_simd(void)
{
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    bool has_xsave = cpu.cpuid & LLMBM_CPU_XSAVE;

    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    /* The UEFI spec already requires SSE on x64; setting the bits again is
     * harmless and covers firmware that forgot. */
    cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (has_xsave) cr4 |= CR4_OSXSAVE;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
    if (!has_xsave) return;

    /* CPUID.(0xD,0).EDX:EAX: the XCR0 bits the XSAVE area can hold. */
    uint32_t r[4];
    llmbm_cpuid(0xd, 0, r);
    uint64_t supported = (uint64_t)r[3] << 32 | r[0];
    uint64_t xcr0 = llmbm_xcr0_enabled() | LLMBM_XCR0_X87 | LLMBM_XCR0_SSE;
    if ((cpu.cpuid & LLMBM_CPU_AVX) && (supported & LLMBM_XCR0_AVX)) xcr0 |= LLMBM_XCR0_AVX;
    if ((cpu.cpuid & LLMBM_CPU_AVX512F) && (xcr0 & LLMBM_XCR0_AVX) && (supported & XCR0_AVX512) == XCR0_AVX512)
        xcr0 |= XCR0_AVX512;
    xsetbv(0, xcr0);
}

const char *fw_cpu_simd_name(void)
{
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    return llmbm_isa_level_name(llmbm_kernels_best_level(&cpu));
}

bool fw_cpu_is_qemu(void)
{
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    if (!(cpu.cpuid & LLMBM_CPU_HYPERVISOR)) return false;
    uint32_t r[4];
    llmbm_cpuid(0x40000000, 0, r); /* the hypervisor's vendor leaf */
    char vendor[13];
    rt_memcpy(vendor + 0, &r[1], 4);
    rt_memcpy(vendor + 4, &r[2], 4);
    rt_memcpy(vendor + 8, &r[3], 4);
    vendor[12] = 0;
    return rt_memcmp(vendor, "TCGTCGTCGTCG", 12) == 0 || rt_memcmp(vendor, "KVMKVMKVM\0\0\0", 12) == 0;
}

unsigned fw_cpu_apic_id(void)
{
    /* The MP protocol's WhoAmI is a boot service and must not be called on
     * an AP. Leaf 0xB has the full x2APIC ID; leaf 1 has the 8-bit initial
     * APIC ID on older CPUs. */
    uint32_t r[4];
    llmbm_cpuid(0, 0, r);
    if (r[0] >= 0xb) {
        llmbm_cpuid(0xb, 0, r);
        if (r[1] != 0) /* leaf 0xB is valid */
            return r[3];
    }
    llmbm_cpuid(1, 0, r);
    return r[1] >> 24;
}

void fw_exit(uint32_t status)
{
    if (fw_cpu_is_qemu()) {
        /* isa-debug-exit at 0xf4: QEMU exits with (status << 1) | 1. Without
         * the device the write is ignored and we fall through to power off. */
        __asm__ volatile("outl %0, %1" : : "a"(status), "Nd"((uint16_t)0xf4));
    }
    fw_st->RuntimeServices->ResetSystem(EfiResetShutdown, status ? EFI_ABORTED : EFI_SUCCESS, 0, NULL);
    for (;;) __asm__ volatile("hlt");
}
