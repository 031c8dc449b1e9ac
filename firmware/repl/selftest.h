/* The `cores` setting and the /selftest command (selftest.c). */
#pragma once

#include "session.h"

/* Applies `cores` from the settings (0: all) through repl_sys.use_cores;
 * says so when it limits. Call after repl.cfg is read and after /set cores.
 * Returns the cores in use. */
unsigned cores_apply(repl_state *st);
/* /selftest: plat_parallel_for on every core, checked against one core. */
void cmd_selftest(repl_state *st, char *args);
