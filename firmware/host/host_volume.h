/* The boot volume of `llmbm repl` (volume.c): a directory whose files the
 * REPL sees as the stick's. Until a root is set, plat_open opens paths as
 * given (llmbm run, info, tokenize). */
#pragma once

#include <stdbool.h>

/* Makes `dir` the root; false if it is not an openable directory. */
bool host_volume_set_root(const char *dir);
bool host_volume_active(void);
/* One file outside the root that may still be opened, by this exact path
 * (the -m model and its .tpl). */
bool host_volume_allow(const char *path);
/* open(2) of a REPL path under the root (flags as for open); -1 if the
 * path is missing or would leave the root. */
int host_volume_open(const char *path, int flags);
