/* Who signed a PE image: the Authenticode certificate table read back.
 *
 * Pure parsing over bytes already read (no UEFI calls), so the banner can
 * say which key signed the running binary. Every length is checked against
 * the bytes given; a malformed table gives false, never a wild read. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* From the first head_len bytes of a PE file: where its certificate table
 * (data directory 4, a file offset) is. False if there is none. */
bool pe_cert_table(const uint8_t *head, size_t head_len, uint32_t *offset, uint32_t *size);

/* The subject common name of the first certificate in the first
 * WIN_CERTIFICATE (PKCS#7 SignedData) of a certificate table, as UTF-8
 * into out[cap]. False if the table holds no such certificate. */
bool pe_signer_name(const uint8_t *table, size_t len, char *out, size_t cap);
