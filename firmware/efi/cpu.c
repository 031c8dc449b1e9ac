/* CPU feature probing and enabling of the SIMD register state.
 *
 * OVMF (and some real firmware) hands over with CR4.OSXSAVE clear and XCR0
 * holding only x87|SSE, so the first AVX instruction would fault (#UD). We
 * turn on exactly what CPUID says the CPU and XSAVE area support. */
#include "fw.h"

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static uint64_t xgetbv(uint32_t index)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
    return (uint64_t)hi << 32 | lo;
}

static void xsetbv(uint32_t index, uint64_t value)
{
    __asm__ volatile("xsetbv" : : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_AVX512 (7ull << 5) /* opmask, ZMM_Hi256, Hi16_ZMM */

void fw_cpu_enable_simd(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    bool has_xsave = r[2] & (1u << 26);
    bool has_avx = r[2] & (1u << 28);

    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    /* The UEFI spec already requires SSE on x64; setting the bits again is
     * harmless and covers firmware that forgot. */
    cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (has_xsave)
        cr4 |= CR4_OSXSAVE;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
    if (!has_xsave)
        return;

    /* CPUID.(0xD,0).EAX: the XCR0 bits the XSAVE area can hold. */
    cpuid(0xd, 0, r);
    uint64_t supported = (uint64_t)r[3] << 32 | r[0];
    uint64_t xcr0 = xgetbv(0) | XCR0_X87 | XCR0_SSE;
    if (has_avx && (supported & XCR0_AVX))
        xcr0 |= XCR0_AVX;
    cpuid(7, 0, r);
    bool has_avx512f = r[1] & (1u << 16);
    if (has_avx512f && (xcr0 & XCR0_AVX) && (supported & XCR0_AVX512) == XCR0_AVX512)
        xcr0 |= XCR0_AVX512;
    xsetbv(0, xcr0);
}

fw_simd fw_cpu_simd_level(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    bool osxsave = r[2] & (1u << 27);
    bool avx = r[2] & (1u << 28), fma = r[2] & (1u << 12), f16c = r[2] & (1u << 29);
    bool sse2 = r[3] & (1u << 26);
    uint64_t xcr0 = osxsave ? xgetbv(0) : 0;
    cpuid(0, 0, r);
    uint32_t max_leaf = r[0];
    uint32_t ebx7 = 0;
    if (max_leaf >= 7) {
        cpuid(7, 0, r);
        ebx7 = r[1];
    }
    bool avx2 = ebx7 & (1u << 5);
    bool avx512f = ebx7 & (1u << 16), avx512bw = ebx7 & (1u << 30);
    bool ymm_on = (xcr0 & (XCR0_SSE | XCR0_AVX)) == (XCR0_SSE | XCR0_AVX);
    /* Kernels at the AVX2 level also use FMA and F16C (every AVX2 CPU since
     * Haswell has them); AVX-512 kernels need F and BW. */
    if (ymm_on && avx && avx2 && fma && f16c) {
        if (avx512f && avx512bw && (xcr0 & XCR0_AVX512) == XCR0_AVX512)
            return FW_SIMD_AVX512;
        return FW_SIMD_AVX2;
    }
    return sse2 ? FW_SIMD_SSE2 : FW_SIMD_SCALAR;
}

const char *fw_simd_name(fw_simd level)
{
    switch (level) {
    case FW_SIMD_AVX512: return "AVX-512";
    case FW_SIMD_AVX2: return "AVX2";
    case FW_SIMD_SSE2: return "SSE2";
    default: return "scalar";
    }
}

bool fw_cpu_is_qemu(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 31)))  /* "hypervisor present" bit */
        return false;
    cpuid(0x40000000, 0, r);
    char vendor[13];
    __builtin_memcpy(vendor + 0, &r[1], 4);
    __builtin_memcpy(vendor + 4, &r[2], 4);
    __builtin_memcpy(vendor + 8, &r[3], 4);
    vendor[12] = 0;
    return __builtin_memcmp(vendor, "TCGTCGTCGTCG", 12) == 0 || __builtin_memcmp(vendor, "KVMKVMKVM\0\0\0", 12) == 0;
}

void fw_exit(uint32_t status)
{
    if (fw_cpu_is_qemu()) {
        /* isa-debug-exit at 0xf4: QEMU exits with (status << 1) | 1. Without
         * the device the write is ignored and we fall through to power off. */
        __asm__ volatile("outl %0, %1" : : "a"(status), "Nd"((uint16_t)0xf4));
    }
    fw_st->RuntimeServices->ResetSystem(EfiResetShutdown, status ? EFI_ABORTED : EFI_SUCCESS, 0, NULL);
    for (;;)
        __asm__ volatile("hlt");
}
