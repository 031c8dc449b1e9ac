/* The boot volume (files.c): plat_open/plat_read live there; these are for
 * the other efi/ files and the REPL's repl_sys.list_dir. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "efi.h"
#include "proto/file_system.h"
#include "repl.h"

/* The boot volume's root directory, or NULL. */
EFI_FILE_PROTOCOL *fw_boot_root(void);
/* UCS-2 name → UTF-8 into out[cap] (truncated names end in "?"). */
void fw_name_to_utf8(const CHAR16 *w, char *out, size_t cap);
/* repl_sys.list_dir. */
bool fw_list_dir(const char *dir, repl_dir_fn fn, void *ctx);
