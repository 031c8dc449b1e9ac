/* Which kernel table (ISA level) the engine computes with. Unless the user
 * forces one (llmbm --isa, the REPL's isa= setting), it is "auto": the most
 * capable level the CPU supports until a model is prepared, when
 * llmbm_model_prepare measures the levels on the model's weight types and
 * takes the fastest (isa_autotune.h). Lazily selected on first use so that
 * the firmware has enabled the AVX state (CR4.OSXSAVE, XCR0) before
 * CPUID/XGETBV are read. */
#pragma once

#include "eng_util.h"

/* kernels_api.h; only the engine's compute code needs its contents. */
struct llmbm_kernel_table;

/* The table in use (selects the best level on the first call). */
const struct llmbm_kernel_table *llmbm_isa_table(void);

/* Forces a level by name ("scalar", "avx2", ...) or goes back to automatic
 * selection with "auto" (the most capable level until the next measurement). Fails, listing the levels, for an unknown name, and
 * for a level this CPU cannot run. Not thread-safe: call between forwards. */
int llmbm_isa_set(const char *name, llmbm_err *err);

/* Name of the level in use ("scalar", "avx2", ...). */
const char *llmbm_isa_name(void);

/* True when a level was forced by name, false under "auto". */
bool llmbm_isa_forced(void);

/* Under "auto": switches to `level` (an llmbm_isa_level the CPU supports;
 * the measurement's winner). Ignored when a level is forced. */
void llmbm_isa_use_measured(int level);
