/* Host-only knobs of the Linux platform layer. */
#pragma once

void host_set_threads(unsigned n);
unsigned host_get_threads(void);
