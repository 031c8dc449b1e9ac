/* The CPUID and XGETBV instructions behind llmbm_cpu_features_detect
 * (cpu_detect.c), for the firmware's other CPUID questions (XSAVE area,
 * APIC ID, hypervisor vendor). Feature bits are read through
 * llmbm_cpu_features (kernel_dispatch.h, from the manifest's table). */
#pragma once

#include <stdint.h>

/* regs = eax, ebx, ecx, edx of CPUID(leaf, subleaf). */
void llmbm_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);
/* XCR0 as the OS (our firmware) enabled it; 0 while CR4.OSXSAVE is clear. */
uint64_t llmbm_xcr0_enabled(void);
