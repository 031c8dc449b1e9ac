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
 * has not checked in within a timeout measured with the TSC. */
#include "fw.h"
#include "mp_pool.h"
#include "platform.h"

/* EFI_MP_SERVICES_PROTOCOL (PI spec, vol. 2, "MP Services Protocol"):
 * gnu-efi does not define it. Member order is the spec's. */
#define MP_SERVICES_GUID { 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }
typedef void(EFIAPI *ap_procedure)(void *arg);
typedef struct mp_services mp_services;
struct mp_services {
    EFI_STATUS(EFIAPI *GetNumberOfProcessors)(mp_services *self, UINTN *total, UINTN *enabled);
    void *GetProcessorInfo;
    EFI_STATUS(EFIAPI *StartupAllAPs)(mp_services *self, ap_procedure procedure, BOOLEAN single_thread,
                                      EFI_EVENT wait_event, UINTN timeout_us, void *arg, UINTN **failed_cpus);
    void *StartupThisAP, *SwitchBSP, *EnableDisableAP, *WhoAmI;
};

/* OVMF wakes parked APs in well under a millisecond, even under TCG; a
 * second covers slow real firmware without stalling a broken boot long. */
#define CHECK_IN_TIMEOUT_US 1000000ull
/* At /shutdown or /reboot the APs are asked back to the firmware; if one
 * does not come, the reset takes care of it anyway. */
#define STOP_TIMEOUT_US 100000ull

static unsigned total_cores = 1;
static const char *single_reason;  /* why only the BSP works, or NULL */

static void EFIAPI ignore_event(EFI_EVENT event, void *ctx)
{
    (void)event;
    (void)ctx;
}

static void start_aps(mp_services *mp, unsigned aps)
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
        single_reason = status == EFI_UNSUPPORTED ? "the firmware cannot start APs non-blocking"
                                                  : "StartupAllAPs failed";
        return;
    }
    uint64_t t0 = plat_now_us();
    while (mp_pool_checked_in() < aps) {
        if (plat_now_us() - t0 > CHECK_IN_TIMEOUT_US) {
            /* The APs that did start spin on a generation that never
             * changes: harmless, and they touch no job data. */
            single_reason = "not every AP started within 1 s";
            return;
        }
        __asm__ volatile("pause" ::: "memory");
    }
    mp_pool_enable(aps);
}

void fw_mp_init(void)
{
    EFI_GUID guid = MP_SERVICES_GUID;
    mp_services *mp = NULL;
    if (EFI_ERROR(fw_bs->LocateProtocol(&guid, NULL, (void **)&mp)) || !mp) {
        single_reason = "no MP Services protocol";
        return;
    }
    UINTN total = 0, enabled = 0;
    if (EFI_ERROR(mp->GetNumberOfProcessors(mp, &total, &enabled)) || enabled < 1) {
        single_reason = "GetNumberOfProcessors failed";
        return;
    }
    total_cores = (unsigned)enabled;
    if (enabled > 1)
        start_aps(mp, (unsigned)enabled - 1);
}

unsigned fw_mp_total_cores(void)
{
    return total_cores;
}

unsigned fw_mp_cores_in_use(void)
{
    return mp_pool_in_use();
}

const char *fw_mp_single_reason(void)
{
    return single_reason;
}

unsigned fw_mp_use_cores(unsigned limit)
{
    return mp_pool_use(limit);
}

void fw_mp_stop(void)
{
    mp_pool_stop(STOP_TIMEOUT_US);
}

unsigned fw_mp_cpu_id(void)
{
    /* The APIC ID from CPUID: the MP protocol's WhoAmI is a boot service
     * and must not be called on an AP. Leaf 0xB has the full x2APIC ID;
     * leaf 1 has the 8-bit initial APIC ID on older CPUs. */
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    if (a >= 0xb) {
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xb), "c"(0));
        if (b != 0)  /* leaf 0xB is valid */
            return d;
    }
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return b >> 24;
}
