/* Secure Boot for the banner (secure_boot.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* "on", "off", "off (setup mode ...)" or "not supported ...". */
const char *fw_secure_boot_state(void);
/* The common name of the certificate that signed the running binary, into
 * out[cap]; false for an unsigned binary (or one that cannot be read back). */
bool fw_image_signer(char *out, size_t cap);
