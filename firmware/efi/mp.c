/* Cores. For now the work runs on the boot processor only; the MP Services
 * protocol is asked just how many processors there are, for the banner.
 * A later step parks the APs in a work loop here (see issue 7). */
#include "fw.h"
#include "platform.h"

/* EFI_MP_SERVICES_PROTOCOL (PI spec, vol. 2): gnu-efi does not define it.
 * Only the first member is called; the rest stay opaque. */
#define MP_SERVICES_GUID { 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }
typedef struct mp_services mp_services;
struct mp_services {
    EFI_STATUS(EFIAPI *GetNumberOfProcessors)(mp_services *self, UINTN *total, UINTN *enabled);
    void *GetProcessorInfo, *StartupAllAPs, *StartupThisAP, *SwitchBSP, *EnableDisableAP, *WhoAmI;
};

static unsigned total_cores = 1;

void fw_mp_init(void)
{
    EFI_GUID guid = MP_SERVICES_GUID;
    mp_services *mp = NULL;
    if (EFI_ERROR(fw_bs->LocateProtocol(&guid, NULL, (void **)&mp)) || !mp)
        return;
    UINTN total = 0, enabled = 0;
    if (!EFI_ERROR(mp->GetNumberOfProcessors(mp, &total, &enabled)) && enabled >= 1)
        total_cores = (unsigned)enabled;
}

unsigned fw_mp_total_cores(void)
{
    return total_cores;
}

/* The processors the firmware reports enabled. plat_parallel_for runs on the
 * boot processor only until the AP work loop exists; splitting work into
 * this many ranges is still correct, as each index goes to exactly one call. */
unsigned plat_core_count(void)
{
    return total_cores;
}

void plat_parallel_for(size_t n, plat_range_fn fn, void *ctx)
{
    if (n)
        fn(ctx, 0, n);
}
