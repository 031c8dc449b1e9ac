/* The AP work pool (mp_pool.c), as seen by mp.c, which starts the APs. */
#pragma once

#include <stdint.h>

#include "efi.h"

/* The EFI_AP_PROCEDURE every AP runs; returns only after mp_pool_stop. */
void EFIAPI mp_pool_ap_main(void *arg);
/* How many APs have entered mp_pool_ap_main so far. */
unsigned mp_pool_checked_in(void);
/* Called once, after `aps` APs checked in: jobs go to all of them. */
void mp_pool_enable(unsigned aps);
/* BSP + pooled APs. */
unsigned mp_pool_capacity(void);
/* Limits jobs to `limit` cores (0: all); returns the count now in use. */
unsigned mp_pool_use(unsigned limit);
unsigned mp_pool_in_use(void);
/* Sends the APs back to the firmware (waiting up to timeout_us); from then
 * on everything runs on the BSP. */
void mp_pool_stop(uint64_t timeout_us);
