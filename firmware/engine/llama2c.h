/* llama2.c checkpoints: the legacy run.c format and export.py's "ak42"
 * versions 1 (fp32) and 2 (Q8_0 groups). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

#define LLMBM_AK42_MAGIC                  0x616b3432u /* "ak42" as a little-endian uint32 */
#define LLMBM_AK42_HEADER_BYTES           256u
#define LLMBM_LLAMA2C_LEGACY_HEADER_BYTES 28u

/* True if the first bytes look like an ak42 export. */
bool llmbm_llama2c_is_ak42(const uint8_t *data, uint64_t size);

/* Fills `model` with views into `data` (which must stay alive and be at least
 * 4-byte aligned). Does not take ownership. */
int llmbm_llama2c_parse(llmbm_model *model, const uint8_t *data, uint64_t size, const char *name, llmbm_err *err);
