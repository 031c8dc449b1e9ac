/* State and helpers shared by the files of the UEFI platform layer.
 *
 * Only firmware/efi includes UEFI headers. The engine sees platform.h, the
 * REPL sees repl.h; this header is the glue between the efi/ files. */
#pragma once

#include <efi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern EFI_HANDLE fw_image;
extern EFI_SYSTEM_TABLE *fw_st;
extern EFI_BOOT_SERVICES *fw_bs;

/* cpu.c: CPUID probing and SIMD state. */
typedef enum fw_simd {
    FW_SIMD_SCALAR,
    FW_SIMD_SSE2,
    FW_SIMD_AVX2,
    FW_SIMD_AVX512,
} fw_simd;
/* Enables the SSE/AVX/AVX-512 register state the CPU supports (CR4, XCR0).
 * Uses no boot services, so the MP code can run it on every AP too. */
void fw_cpu_enable_simd(void);
/* The highest SIMD level usable after fw_cpu_enable_simd. */
fw_simd fw_cpu_simd_level(void);
const char *fw_simd_name(fw_simd level);
/* True under QEMU (TCG or KVM), where port 0xf4 may be isa-debug-exit. */
bool fw_cpu_is_qemu(void);
/* Under QEMU, writes status to isa-debug-exit (QEMU exits (status<<1)|1);
 * then, or elsewhere, powers the machine off. Does not return. */
void fw_exit(uint32_t status) __attribute__((noreturn));

/* timer.c: calibrates the TSC against BS->Stall. Call once at boot. */
/* The TSC at efi_main's entry: plat_now_us counts from there. */
void fw_timer_mark_entry(void);
void fw_timer_init(void);
/* Microseconds from the CPU's reset to efi_main by the TSC (the platform
 * firmware and boot manager before us); 0 when the TSC cannot tell. */
uint64_t fw_us_before_entry(void);
uint64_t fw_tsc_hz(void);

/* memory.c: bytes of EfiConventionalMemory in the memory map. */
uint64_t fw_usable_memory(void);
/* The same sum and the largest single free range (repl_sys.memory). */
void fw_memory_info(uint64_t *free_total, uint64_t *largest_free);

/* console.c */
void fw_console_init(void);
/* keys.c: blocks for one key; returns a code point or a REPL_KEY_* value. */
int32_t fw_read_key(void);
/* Columns of the current text mode (80 if the firmware cannot say). */
unsigned fw_console_columns(void);
/* Returns at once: a key, or REPL_KEY_NONE. */
int32_t fw_poll_key(void);

/* Colours the REPL asks for (repl_sys.style), in repl_style order. */
void fw_console_style(int style);
/* repl_sys.set_font_scale: 0 = automatic; returns the scale, 0 without a
 * framebuffer console. */
unsigned fw_console_set_font_scale(unsigned scale);
/* repl_sys.cell_width: the framebuffer font's widths, else 1. */
unsigned fw_console_cell_width(uint32_t cp);
/* The banner's "console:" line, if there is something to say. */
void fw_console_banner(void);

/* gop.c: the framebuffer console on the Graphics Output Protocol. */
bool fw_gop_init(void);
bool fw_gop_active(void);
void fw_gop_write(const char *text, size_t len);
unsigned fw_gop_columns(void);
void fw_gop_color(int color);
unsigned fw_gop_set_scale(unsigned scale);
unsigned fw_gop_cell_width(uint32_t cp);
/* "1280x800, 160x50 cells at scale 1 (GNU Unifont 15.0.01)" */
void fw_gop_describe(char *out, size_t cap);

/* secure_boot.c: "on", "off", "off (setup mode ...)" or "not supported ...". */
const char *fw_secure_boot_state(void);
/* The common name of the certificate that signed the running binary, into
 * out[cap]; false for an unsigned binary (or one that cannot be read back). */
bool fw_image_signer(char *out, size_t cap);

/* files.c: the boot volume's root directory, or NULL. */
/* UCS-2 name → UTF-8 into out[cap] (truncated names end in "?"). */
void fw_name_to_utf8(const CHAR16 *w, char *out, size_t cap);
EFI_FILE_HANDLE fw_boot_root(void);
/* The REPL's repl_sys.list_dir. */
struct repl_dirent;
bool fw_list_dir(const char *dir, void (*fn)(void *ctx, const struct repl_dirent *entry), void *ctx);

/* mp.c: starts the APs in the plat_parallel_for pool (mp_pool.c). */
void fw_mp_init(void);
/* Enabled processors the firmware reports (BSP included). */
unsigned fw_mp_total_cores(void);
/* Cores plat_parallel_for uses now. */
unsigned fw_mp_cores_in_use(void);
/* Why only one core can work (for the banner), or NULL. */
const char *fw_mp_single_reason(void);
/* Limits the pool to `limit` cores (0: all started); returns cores in use. */
unsigned fw_mp_use_cores(unsigned limit);
/* Before a reset: hands the APs back to the firmware. */
void fw_mp_stop(void);
/* The calling core's APIC ID; safe on an AP (CPUID, no boot services). */
unsigned fw_mp_cpu_id(void);
