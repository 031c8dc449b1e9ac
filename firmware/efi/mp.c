/* Cores: finds the processors through EFI_MP_SERVICES_PROTOCOL and starts
 * every enabled AP once, for good, in the work loop of mp_pool.c.
 *
 * StartupAllAPs is called non-blocking (with an event we never wait for):
 * the APs keep running our loop while the BSP returns to the REPL, and the
 * firmware's own bookkeeping (a timer that polls the APs' state) stays
 * harmless because the procedure only returns at mp_pool_stop.
 *
 * Anything unusual leaves us on one core, said once in the banner: no
 * protocol (old firmware), no APs, StartupAllAPs refusing, or an AP that
 * has not checked in within a timeout measured with the TSC. repl.cfg can
 * force the first and the last (mp=off, ap_timeout_ms=), so the boot tests
 * reach those paths on a machine where everything works.
 *
 * The check-in timeout: OVMF wakes parked APs in well under a millisecond,
 * even under TCG; the default second covers slow real firmware without
 * stalling a broken boot long. */
#include "mp.h"

#include "efi.h"
#include "main.h"
#include "mp_pool.h"
#include "platform.h"
#include "proto/mp_services.h"
#include "rt_format.h"

/* At /shutdown or /reboot the APs are asked back to the firmware; if one
 * does not come, the reset takes care of it anyway. */
#define STOP_TIMEOUT_US 100000ull

static unsigned total_cores = 1;
static const char *single_reason; /* why only the BSP works, or NULL */

static void EFIAPI ignore_event(EFI_EVENT event, void *ctx)
{
    (void)event;
    (void)ctx;
}

static void start_aps(EFI_MP_SERVICES_PROTOCOL *mp, unsigned aps, unsigned timeout_ms)
{
    /* Non-blocking mode needs an event; it is signalled only if all APs
     * return, which they do at mp_pool_stop. Nobody waits on it. */
    EFI_EVENT done = NULL;
    if (EFI_ERROR(fw_bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, ignore_event, NULL, &done))) {
        single_reason = "CreateEvent failed";
        return;
    }
    EFI_STATUS status = mp->StartupAllAPs(mp, mp_pool_ap_main, FALSE, done, 0, NULL, NULL);
    if (EFI_ERROR(status)) {
        fw_bs->CloseEvent(done);
        single_reason =
            status == EFI_UNSUPPORTED ? "the firmware cannot start APs non-blocking" : "StartupAllAPs failed";
        return;
    }
    /* Check-ins count only inside the window, so ap_timeout_ms=0 counts none:
     * the boot tests' way onto the path of an AP that never starts. */
    uint64_t t0 = plat_now_us(), timeout_us = (uint64_t)timeout_ms * 1000;
    while (plat_now_us() - t0 < timeout_us) {
        if (mp_pool_checked_in() >= aps) {
            mp_pool_enable(aps);
            return;
        }
        __asm__ volatile("pause" ::: "memory");
    }
    /* The APs that did start spin on a generation that never changes:
     * harmless, and they touch no job data. */
    static char why[64];
    rt_snprintf(why, sizeof why, "not every AP started within %u ms", timeout_ms);
    single_reason = why;
}

void fw_mp_init(const fw_mp_options *options)
{
    EFI_GUID guid = EFI_MP_SERVICES_PROTOCOL_GUID;
    EFI_MP_SERVICES_PROTOCOL *mp = NULL;
    /* mp=off takes the path of firmware without the protocol. */
    if (options->off || EFI_ERROR(fw_bs->LocateProtocol(&guid, NULL, (void **)&mp)) || !mp) {
        single_reason = options->off ? "mp=off in repl.cfg" : "no MP Services protocol";
        return;
    }
    UINTN total = 0, enabled = 0;
    if (EFI_ERROR(mp->GetNumberOfProcessors(mp, &total, &enabled)) || enabled < 1) {
        single_reason = "GetNumberOfProcessors failed";
        return;
    }
    total_cores = (unsigned)enabled;
    if (enabled > 1) start_aps(mp, (unsigned)enabled - 1, options->ap_timeout_ms);
}

unsigned fw_mp_total_cores(void) { return total_cores; }

unsigned fw_mp_cores_in_use(void) { return mp_pool_in_use(); }

const char *fw_mp_single_reason(void) { return single_reason; }

unsigned fw_mp_use_cores(unsigned limit) { return mp_pool_use(limit); }

void fw_mp_stop(void) { mp_pool_stop(STOP_TIMEOUT_US); }
