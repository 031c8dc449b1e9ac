/* EFI_SIMPLE_TEXT_INPUT_PROTOCOL (UEFI spec 12.3): ConIn's keys. */
#pragma once

#include "../efi.h"

/* Scan codes of the keys without a character (table 12.4). */
#define SCAN_UP     0x01
#define SCAN_DOWN   0x02
#define SCAN_RIGHT  0x03
#define SCAN_LEFT   0x04
#define SCAN_HOME   0x05
#define SCAN_END    0x06
#define SCAN_DELETE 0x08
#define SCAN_ESC    0x17

typedef struct EFI_INPUT_KEY {
    UINT16 ScanCode;
    CHAR16 UnicodeChar;
} EFI_INPUT_KEY;

struct EFI_SIMPLE_TEXT_INPUT_PROTOCOL {
    void *Reset;
    EFI_STATUS(EFIAPI *ReadKeyStroke)(EFI_SIMPLE_TEXT_INPUT_PROTOCOL *self, EFI_INPUT_KEY *key);
    EFI_EVENT WaitForKey;
};

_Static_assert(sizeof(EFI_INPUT_KEY) == 4, "EFI_INPUT_KEY");
_Static_assert(offsetof(EFI_SIMPLE_TEXT_INPUT_PROTOCOL, WaitForKey) == 16, "ConIn.WaitForKey");
