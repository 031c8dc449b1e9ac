/* The other cores (mp.c): started once at boot into the plat_parallel_for
 * pool (mp_pool.c). */
#pragma once

#include <stdbool.h>

/* How efi_main wants the APs started (repl.cfg mp= and ap_timeout_ms=). */
typedef struct fw_mp_options {
    bool off;               /* mp=off: do not even look for MP Services */
    unsigned ap_timeout_ms; /* how long the APs get to check in */
} fw_mp_options;

void fw_mp_init(const fw_mp_options *options);
/* Enabled processors the firmware reports (BSP included). */
unsigned fw_mp_total_cores(void);
/* Cores plat_parallel_for uses now. */
unsigned fw_mp_cores_in_use(void);
/* Why only one core can work (for the banner), or NULL. */
const char *fw_mp_single_reason(void);
/* Limits the pool to `limit` cores (0: all started); returns cores in use. */
unsigned fw_mp_use_cores(unsigned limit);
/* Before a reset: hands the APs back to the firmware. */
void fw_mp_stop(void);
