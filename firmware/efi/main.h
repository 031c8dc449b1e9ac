/* The firmware's handles, set by efi_main (main.c) before anything else
 * runs: the efi/ files reach boot and runtime services through these. */
#pragma once

#include "efi.h"

extern EFI_HANDLE fw_image;
extern EFI_SYSTEM_TABLE *fw_st;
extern EFI_BOOT_SERVICES *fw_bs;
