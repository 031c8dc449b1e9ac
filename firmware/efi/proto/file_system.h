/* EFI_SIMPLE_FILE_SYSTEM_PROTOCOL and EFI_FILE_PROTOCOL (UEFI spec 13.4,
 * 13.5): the boot volume's files, and EFI_FILE_INFO (13.5.16). */
#pragma once

#include "../efi.h"

#define EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID                                                                           \
    {0x964e5b22, 0x6459, 0x11d2, {0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}}
#define EFI_FILE_INFO_ID {0x09576e92, 0x6d3f, 0x11d2, {0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}}

#define EFI_FILE_MODE_READ 0x0000000000000001ull
#define EFI_FILE_DIRECTORY 0x0000000000000010ull

typedef struct EFI_FILE_PROTOCOL EFI_FILE_PROTOCOL;
struct EFI_FILE_PROTOCOL {
    UINT64 Revision;
    EFI_STATUS(EFIAPI *Open)(EFI_FILE_PROTOCOL *self, EFI_FILE_PROTOCOL **new_handle, CHAR16 *file_name,
                             UINT64 open_mode, UINT64 attributes);
    EFI_STATUS(EFIAPI *Close)(EFI_FILE_PROTOCOL *self);
    void *Delete;
    /* On a directory: the next entry's EFI_FILE_INFO; *size 0 at the end. */
    EFI_STATUS(EFIAPI *Read)(EFI_FILE_PROTOCOL *self, UINTN *buffer_size, void *buffer);
    void *Write;
    void *GetPosition;
    EFI_STATUS(EFIAPI *SetPosition)(EFI_FILE_PROTOCOL *self, UINT64 position);
    EFI_STATUS(EFIAPI *GetInfo)(EFI_FILE_PROTOCOL *self, EFI_GUID *information_type, UINTN *buffer_size, void *buffer);
    void *SetInfo;
    void *Flush;
    /* Revision 2 adds OpenEx, ReadEx, WriteEx, FlushEx: not used. */
};

typedef struct EFI_SIMPLE_FILE_SYSTEM_PROTOCOL EFI_SIMPLE_FILE_SYSTEM_PROTOCOL;
struct EFI_SIMPLE_FILE_SYSTEM_PROTOCOL {
    UINT64 Revision;
    EFI_STATUS(EFIAPI *OpenVolume)(EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *self, EFI_FILE_PROTOCOL **root);
};

typedef struct EFI_TIME {
    UINT16 Year;
    UINT8 Month;
    UINT8 Day;
    UINT8 Hour;
    UINT8 Minute;
    UINT8 Second;
    UINT8 Pad1;
    UINT32 Nanosecond;
    INT16 TimeZone;
    UINT8 Daylight;
    UINT8 Pad2;
} EFI_TIME;

typedef struct EFI_FILE_INFO {
    UINT64 Size; /* of this structure, the name included */
    UINT64 FileSize;
    UINT64 PhysicalSize;
    EFI_TIME CreateTime;
    EFI_TIME LastAccessTime;
    EFI_TIME ModificationTime;
    UINT64 Attribute;
    CHAR16 FileName[];
} EFI_FILE_INFO;

_Static_assert(offsetof(EFI_FILE_PROTOCOL, SetPosition) == 56, "EFI_FILE_PROTOCOL.SetPosition");
_Static_assert(offsetof(EFI_FILE_PROTOCOL, GetInfo) == 64, "EFI_FILE_PROTOCOL.GetInfo");
_Static_assert(sizeof(EFI_TIME) == 16, "EFI_TIME");
_Static_assert(offsetof(EFI_FILE_INFO, Attribute) == 72, "EFI_FILE_INFO.Attribute");
_Static_assert(offsetof(EFI_FILE_INFO, FileName) == 80, "EFI_FILE_INFO.FileName");
