/* EFI_MP_SERVICES_PROTOCOL (UEFI PI spec 1.8, vol. 2, 13.4): the other
 * cores. Member order is the spec's. */
#pragma once

#include "../efi.h"

#define EFI_MP_SERVICES_PROTOCOL_GUID {0x3fdda605, 0xa76e, 0x4f46, {0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08}}

typedef void(EFIAPI *EFI_AP_PROCEDURE)(void *argument);

typedef struct EFI_MP_SERVICES_PROTOCOL EFI_MP_SERVICES_PROTOCOL;
struct EFI_MP_SERVICES_PROTOCOL {
    EFI_STATUS(EFIAPI *GetNumberOfProcessors)(EFI_MP_SERVICES_PROTOCOL *self, UINTN *number_of_processors,
                                              UINTN *number_of_enabled_processors);
    void *GetProcessorInfo;
    /* Non-blocking when wait_event is not NULL: returns at once, and the
     * event is signalled when every AP's procedure has returned. */
    EFI_STATUS(EFIAPI *StartupAllAPs)(EFI_MP_SERVICES_PROTOCOL *self, EFI_AP_PROCEDURE procedure, BOOLEAN single_thread,
                                      EFI_EVENT wait_event, UINTN timeout_in_microseconds, void *procedure_argument,
                                      UINTN **failed_cpu_list);
    void *StartupThisAP;
    void *SwitchBSP;
    void *EnableDisableAP;
    void *WhoAmI;
};

_Static_assert(offsetof(EFI_MP_SERVICES_PROTOCOL, StartupAllAPs) == 16, "MP.StartupAllAPs");
_Static_assert(sizeof(EFI_MP_SERVICES_PROTOCOL) == 56, "EFI_MP_SERVICES_PROTOCOL");
