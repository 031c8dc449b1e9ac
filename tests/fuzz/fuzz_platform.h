/* The platform interface (firmware/engine/platform.h) for fuzz harnesses:
 * files from an in-memory volume, plain malloc blocks (so ASan and LeakSanitizer
 * see every one), output thrown away, one core. A harness puts its input on
 * the volume as a file and calls the engine or the REPL on that name: the
 * same code paths as a real load, without a disk write per execution. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Puts a file on the volume (replacing one of that name). The bytes are not
 * copied: they must stay alive until the file is removed or replaced. */
void fuzz_volume_put(const char *name, const void *data, size_t size);
/* Removes every file put since fuzz_volume_mark (or every file). */
void fuzz_volume_mark(void);
void fuzz_volume_reset_to_mark(void);
/* Copies every regular file of a directory onto the volume (kept for the
 * process's life); false if it cannot be read. */
bool fuzz_volume_load_dir(const char *dir);
/* Calls fn for every file on the volume whose name starts with prefix. */
typedef void (*fuzz_volume_fn)(void *ctx, const char *name, size_t size);
void fuzz_volume_each(const char *prefix, fuzz_volume_fn fn, void *ctx);
/* The seed directory named by $LLMBM_FUZZ_FILES, else NULL. */
const char *fuzz_files_dir(void);
