/* plat_now_us: the TSC, calibrated once at boot against BS->Stall.
 *
 * Boot services have no cheap clock with microsecond resolution, and the
 * TSC is invariant on every CPU this targets. A 20 ms calibration costs
 * little and is accurate to well under 1%, plenty for tokens/s figures.
 * One tick is well under a nanosecond, so the ~100 us rounds of the kernel
 * level measurement (isa_autotune.h) are timed to 1 us, plat_now_us's unit.
 * Time counts from efi_main's entry (fw_timer_mark_entry), so plat_now_us
 * is also how long the firmware has been running. */
#include "timer.h"

#include "efi.h"
#include "main.h"
#include "platform.h"

static uint64_t tsc_hz = 1000000000ull; /* used until calibrated: 1 GHz */
static uint64_t tsc_start;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

void fw_timer_mark_entry(void) { tsc_start = rdtsc(); }

void fw_timer_init(void)
{
    const UINTN stall_us = 20000;
    uint64_t t0 = rdtsc();
    fw_bs->Stall(stall_us);
    uint64_t t1 = rdtsc();
    if (t1 > t0) tsc_hz = (t1 - t0) * (1000000ull / stall_us);
    if (!tsc_start) tsc_start = t0;
}

uint64_t fw_us_before_entry(void)
{
    /* The TSC counts from the CPU's reset on a cold boot (and in QEMU);
     * after a warm reset or under a hypervisor's offset it may not, and a
     * figure beyond 10 minutes says so. */
    uint64_t us = tsc_start / tsc_hz * 1000000ull + tsc_start % tsc_hz * 1000000ull / tsc_hz;
    return us < 600000000ull ? us : 0;
}

uint64_t fw_tsc_hz(void) { return tsc_hz; }

uint64_t plat_now_us(void)
{
    uint64_t ticks = rdtsc() - tsc_start;
    /* Split to avoid overflowing ticks * 1e6 after ~5 hours at 1 GHz. */
    return ticks / tsc_hz * 1000000ull + ticks % tsc_hz * 1000000ull / tsc_hz;
}
