/* The TSC clock behind plat_now_us (timer.c). */
#pragma once

#include <stdint.h>

/* The TSC at efi_main's entry: plat_now_us counts from there. */
void fw_timer_mark_entry(void);
/* Calibrates the TSC against BS->Stall. Call once at boot. */
void fw_timer_init(void);
/* Microseconds from the CPU's reset to efi_main by the TSC (the platform
 * firmware and boot manager before us); 0 when the TSC cannot tell. */
uint64_t fw_us_before_entry(void);
uint64_t fw_tsc_hz(void);
