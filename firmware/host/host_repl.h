/* `llmbm repl`: the firmware's REPL over the Linux platform layer
 * (cmd_repl.c runs it, repl_host_sys.c fills its repl_sys). */
#pragma once

#include <stdint.h>

#include "repl.h"

typedef struct host_repl_options {
    const char *model;     /* -m FILE (absolute), or NULL */
    const char *isa;       /* --isa LEVEL, or NULL */
    uint64_t memory_limit; /* --memory MB in bytes; 0: what Linux has */
    unsigned threads;      /* -T; 0: every online CPU */
} host_repl_options;

const repl_sys *host_repl_sys(const host_repl_options *o);
uint64_t host_repl_available_memory(void);
/* /shutdown and end of input: the terminal restored, output flushed. */
void host_repl_exit(int status) __attribute__((noreturn));
/* /reboot: the REPL starts over in a fresh process (see cmd_repl.c). */
void host_repl_reboot(void) __attribute__((noreturn));
