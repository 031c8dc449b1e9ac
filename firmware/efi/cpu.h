/* The CPU (cpu.c): turning on the SIMD register state, naming the kernel
 * level the banner reports, and the way out of QEMU. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Enables the SSE/AVX/AVX-512 register state the CPU supports (CR4, XCR0).
 * Uses no boot services, so the MP code can run it on every AP too. */
void fw_cpu_enable_simd(void);
/* The best kernel level (kernels/x86_64 manifest name: "avx2", ...) the CPU
 * can run after fw_cpu_enable_simd. */
const char *fw_cpu_simd_name(void);
/* True under QEMU (TCG or KVM), where port 0xf4 may be isa-debug-exit. */
bool fw_cpu_is_qemu(void);
/* The calling core's APIC ID; safe on an AP (CPUID, no boot services). */
unsigned fw_cpu_apic_id(void);
/* Under QEMU, writes status to isa-debug-exit (QEMU exits (status<<1)|1);
 * then, or elsewhere, powers the machine off. Does not return. */
void fw_exit(uint32_t status) __attribute__((noreturn));
