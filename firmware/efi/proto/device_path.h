/* EFI_DEVICE_PATH_PROTOCOL (UEFI spec 10): a list of variable-length nodes,
 * each starting with this 4-byte header. Only the node types we look for. */
#pragma once

#include "../efi.h"

#define EFI_DEVICE_PATH_PROTOCOL_GUID {0x09576e91, 0x6d3f, 0x11d2, {0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}}

typedef struct EFI_DEVICE_PATH_PROTOCOL {
    UINT8 Type;
    UINT8 SubType;
    UINT8 Length[2]; /* little-endian, header included */
} EFI_DEVICE_PATH_PROTOCOL;

#define MESSAGING_DEVICE_PATH          0x03
#define MSG_UART_DP                    0x0e
#define MEDIA_DEVICE_PATH              0x04
#define MEDIA_FILEPATH_DP              0x04
#define END_DEVICE_PATH_TYPE           0x7f
#define END_ENTIRE_DEVICE_PATH_SUBTYPE 0xff

/* Media / File Path node (10.3.5.4): a NUL-terminated UCS-2 path. */
typedef struct FILEPATH_DEVICE_PATH {
    EFI_DEVICE_PATH_PROTOCOL Header;
    CHAR16 PathName[];
} FILEPATH_DEVICE_PATH;

_Static_assert(sizeof(EFI_DEVICE_PATH_PROTOCOL) == 4, "EFI_DEVICE_PATH_PROTOCOL");
_Static_assert(offsetof(FILEPATH_DEVICE_PATH, PathName) == 4, "FILEPATH_DEVICE_PATH.PathName");
