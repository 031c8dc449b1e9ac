/* The UEFI base (UEFI spec 2.10, chapters 2 and 4 to 8): types, status
 * codes, GUIDs, the system table and the boot and runtime services, written
 * for this application (x86_64 only) so it needs no distro EFI headers.
 *
 * Names are the spec's. Each services table lists every member in the
 * spec's order, since the offsets are what matters; members this program
 * never calls are `void *`. Protocols live in proto/, one header each. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(__x86_64__)
#error "firmware/efi targets x86_64 only"
#endif

/* The x64 UEFI calling convention is Microsoft's. */
#define EFIAPI __attribute__((ms_abi))

typedef uint8_t UINT8;
typedef uint16_t UINT16;
typedef uint32_t UINT32;
typedef uint64_t UINT64;
typedef int16_t INT16;
typedef int32_t INT32;
typedef uint64_t UINTN;
typedef uint8_t BOOLEAN;
/* UCS-2; -fshort-wchar makes L"" literals arrays of it. */
typedef uint16_t CHAR16;

#define TRUE  ((BOOLEAN)1)
#define FALSE ((BOOLEAN)0)

typedef UINTN EFI_STATUS;
typedef void *EFI_HANDLE;
typedef void *EFI_EVENT;
typedef UINTN EFI_TPL;
typedef UINT64 EFI_PHYSICAL_ADDRESS;
typedef UINT64 EFI_VIRTUAL_ADDRESS;

typedef struct EFI_GUID {
    UINT32 Data1;
    UINT16 Data2;
    UINT16 Data3;
    UINT8 Data4[8];
} EFI_GUID;

/* Status codes (appendix D): errors have the top bit set. */
#define EFI_ERROR_BIT        (1ull << 63)
#define EFI_ERROR(status)    (((status) & EFI_ERROR_BIT) != 0)
#define EFI_SUCCESS          ((EFI_STATUS)0)
#define EFI_UNSUPPORTED      (EFI_ERROR_BIT | 3)
#define EFI_BUFFER_TOO_SMALL (EFI_ERROR_BIT | 5)
#define EFI_NOT_READY        (EFI_ERROR_BIT | 6)
#define EFI_DEVICE_ERROR     (EFI_ERROR_BIT | 7)
#define EFI_ABORTED          (EFI_ERROR_BIT | 21)

typedef struct EFI_TABLE_HEADER {
    UINT64 Signature;
    UINT32 Revision;
    UINT32 HeaderSize;
    UINT32 CRC32;
    UINT32 Reserved;
} EFI_TABLE_HEADER;

/* Memory (7.2). */
typedef enum EFI_ALLOCATE_TYPE {
    AllocateAnyPages,
    AllocateMaxAddress,
    AllocateAddress,
} EFI_ALLOCATE_TYPE;

typedef enum EFI_MEMORY_TYPE {
    EfiReservedMemoryType,
    EfiLoaderCode,
    EfiLoaderData,
    EfiBootServicesCode,
    EfiBootServicesData,
    EfiRuntimeServicesCode,
    EfiRuntimeServicesData,
    EfiConventionalMemory,
    EfiUnusableMemory,
    EfiACPIReclaimMemory,
    EfiACPIMemoryNVS,
    EfiMemoryMappedIO,
    EfiMemoryMappedIOPortSpace,
    EfiPalCode,
    EfiPersistentMemory,
    EfiUnacceptedMemoryType,
} EFI_MEMORY_TYPE;

/* GetMemoryMap returns these DescriptorSize bytes apart (which may be more
 * than sizeof: walk by the size the firmware gives). */
typedef struct EFI_MEMORY_DESCRIPTOR {
    UINT32 Type;
    EFI_PHYSICAL_ADDRESS PhysicalStart;
    EFI_VIRTUAL_ADDRESS VirtualStart;
    UINT64 NumberOfPages;
    UINT64 Attribute;
} EFI_MEMORY_DESCRIPTOR;

/* Events and timers (7.1). */
#define EVT_NOTIFY_SIGNAL 0x00000200u
#define TPL_CALLBACK      ((EFI_TPL)8)
typedef void(EFIAPI *EFI_EVENT_NOTIFY)(EFI_EVENT event, void *context);

typedef enum EFI_LOCATE_SEARCH_TYPE {
    AllHandles,
    ByRegisterNotify,
    ByProtocol,
} EFI_LOCATE_SEARCH_TYPE;

typedef enum EFI_RESET_TYPE {
    EfiResetCold,
    EfiResetWarm,
    EfiResetShutdown,
    EfiResetPlatformSpecific,
} EFI_RESET_TYPE;

/* The global variables' vendor GUID (3.3: ConOut, SecureBoot, SetupMode). */
#define EFI_GLOBAL_VARIABLE {0x8be4df61, 0x93ca, 0x11d2, {0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c}}

typedef struct EFI_SIMPLE_TEXT_INPUT_PROTOCOL EFI_SIMPLE_TEXT_INPUT_PROTOCOL;
typedef struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL;

/* Boot services (7). */
typedef struct EFI_BOOT_SERVICES {
    EFI_TABLE_HEADER Hdr;
    void *RaiseTPL;
    void *RestoreTPL;
    EFI_STATUS(EFIAPI *AllocatePages)(EFI_ALLOCATE_TYPE type, EFI_MEMORY_TYPE memory_type, UINTN pages,
                                      EFI_PHYSICAL_ADDRESS *memory);
    EFI_STATUS(EFIAPI *FreePages)(EFI_PHYSICAL_ADDRESS memory, UINTN pages);
    EFI_STATUS(EFIAPI *GetMemoryMap)(UINTN *map_size, EFI_MEMORY_DESCRIPTOR *map, UINTN *map_key,
                                     UINTN *descriptor_size, UINT32 *descriptor_version);
    EFI_STATUS(EFIAPI *AllocatePool)(EFI_MEMORY_TYPE pool_type, UINTN size, void **buffer);
    EFI_STATUS(EFIAPI *FreePool)(void *buffer);
    EFI_STATUS(EFIAPI *CreateEvent)(UINT32 type, EFI_TPL notify_tpl, EFI_EVENT_NOTIFY notify_function,
                                    void *notify_context, EFI_EVENT *event);
    void *SetTimer;
    EFI_STATUS(EFIAPI *WaitForEvent)(UINTN number_of_events, EFI_EVENT *events, UINTN *index);
    void *SignalEvent;
    EFI_STATUS(EFIAPI *CloseEvent)(EFI_EVENT event);
    void *CheckEvent;
    void *InstallProtocolInterface;
    void *ReinstallProtocolInterface;
    void *UninstallProtocolInterface;
    EFI_STATUS(EFIAPI *HandleProtocol)(EFI_HANDLE handle, EFI_GUID *protocol, void **interface);
    void *Reserved;
    void *RegisterProtocolNotify;
    void *LocateHandle;
    void *LocateDevicePath;
    void *InstallConfigurationTable;
    void *LoadImage;
    void *StartImage;
    void *Exit;
    void *UnloadImage;
    void *ExitBootServices;
    void *GetNextMonotonicCount;
    EFI_STATUS(EFIAPI *Stall)(UINTN microseconds);
    EFI_STATUS(EFIAPI *SetWatchdogTimer)(UINTN timeout, UINT64 watchdog_code, UINTN data_size, CHAR16 *watchdog_data);
    void *ConnectController;
    void *DisconnectController;
    void *OpenProtocol;
    void *CloseProtocol;
    void *OpenProtocolInformation;
    void *ProtocolsPerHandle;
    EFI_STATUS(EFIAPI *LocateHandleBuffer)(EFI_LOCATE_SEARCH_TYPE search_type, EFI_GUID *protocol, void *search_key,
                                           UINTN *no_handles, EFI_HANDLE **buffer);
    EFI_STATUS(EFIAPI *LocateProtocol)(EFI_GUID *protocol, void *registration, void **interface);
    void *InstallMultipleProtocolInterfaces;
    void *UninstallMultipleProtocolInterfaces;
    void *CalculateCrc32;
    void *CopyMem;
    void *SetMem;
    void *CreateEventEx;
} EFI_BOOT_SERVICES;

/* Runtime services (8). */
typedef struct EFI_RUNTIME_SERVICES {
    EFI_TABLE_HEADER Hdr;
    void *GetTime;
    void *SetTime;
    void *GetWakeupTime;
    void *SetWakeupTime;
    void *SetVirtualAddressMap;
    void *ConvertPointer;
    EFI_STATUS(EFIAPI *GetVariable)(CHAR16 *name, EFI_GUID *vendor, UINT32 *attributes, UINTN *data_size, void *data);
    void *GetNextVariableName;
    void *SetVariable;
    void *GetNextHighMonotonicCount;
    void(EFIAPI *ResetSystem)(EFI_RESET_TYPE type, EFI_STATUS status, UINTN data_size, void *data);
    void *UpdateCapsule;
    void *QueryCapsuleCapabilities;
    void *QueryVariableInfo;
} EFI_RUNTIME_SERVICES;

/* The system table (4.3). */
typedef struct EFI_SYSTEM_TABLE {
    EFI_TABLE_HEADER Hdr;
    CHAR16 *FirmwareVendor;
    UINT32 FirmwareRevision;
    EFI_HANDLE ConsoleInHandle;
    EFI_SIMPLE_TEXT_INPUT_PROTOCOL *ConIn;
    EFI_HANDLE ConsoleOutHandle;
    EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *ConOut;
    EFI_HANDLE StandardErrorHandle;
    EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *StdErr;
    EFI_RUNTIME_SERVICES *RuntimeServices;
    EFI_BOOT_SERVICES *BootServices;
    UINTN NumberOfTableEntries;
    void *ConfigurationTable;
} EFI_SYSTEM_TABLE;

/* The offsets firmware relies on: a missing or extra member shifts them. */
_Static_assert(sizeof(EFI_GUID) == 16, "EFI_GUID");
_Static_assert(sizeof(EFI_TABLE_HEADER) == 24, "EFI_TABLE_HEADER");
_Static_assert(sizeof(EFI_MEMORY_DESCRIPTOR) == 40, "EFI_MEMORY_DESCRIPTOR");
_Static_assert(offsetof(EFI_BOOT_SERVICES, AllocatePages) == 40, "EFI_BOOT_SERVICES.AllocatePages");
_Static_assert(offsetof(EFI_BOOT_SERVICES, HandleProtocol) == 152, "EFI_BOOT_SERVICES.HandleProtocol");
_Static_assert(offsetof(EFI_BOOT_SERVICES, Stall) == 248, "EFI_BOOT_SERVICES.Stall");
_Static_assert(offsetof(EFI_BOOT_SERVICES, LocateHandleBuffer) == 312, "EFI_BOOT_SERVICES.LocateHandleBuffer");
_Static_assert(offsetof(EFI_BOOT_SERVICES, LocateProtocol) == 320, "EFI_BOOT_SERVICES.LocateProtocol");
_Static_assert(sizeof(EFI_BOOT_SERVICES) == 376, "EFI_BOOT_SERVICES");
_Static_assert(offsetof(EFI_RUNTIME_SERVICES, GetVariable) == 72, "EFI_RUNTIME_SERVICES.GetVariable");
_Static_assert(offsetof(EFI_RUNTIME_SERVICES, ResetSystem) == 104, "EFI_RUNTIME_SERVICES.ResetSystem");
_Static_assert(sizeof(EFI_RUNTIME_SERVICES) == 136, "EFI_RUNTIME_SERVICES");
_Static_assert(offsetof(EFI_SYSTEM_TABLE, ConIn) == 48, "EFI_SYSTEM_TABLE.ConIn");
_Static_assert(offsetof(EFI_SYSTEM_TABLE, RuntimeServices) == 88, "EFI_SYSTEM_TABLE.RuntimeServices");
_Static_assert(offsetof(EFI_SYSTEM_TABLE, BootServices) == 96, "EFI_SYSTEM_TABLE.BootServices");
_Static_assert(sizeof(EFI_SYSTEM_TABLE) == 120, "EFI_SYSTEM_TABLE");
