/* Free memory by the UEFI memory map (memory.c; plat_alloc is there too). */
#pragma once

#include <stdint.h>

/* Bytes of EfiConventionalMemory in the memory map. */
uint64_t fw_usable_memory(void);
/* The same sum and the largest single free range (repl_sys.memory). */
void fw_memory_info(uint64_t *free_total, uint64_t *largest_free);
