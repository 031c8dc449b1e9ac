/* plat_alloc/plat_free on AllocatePages, and the usable-memory figure.
 *
 * Pages rather than AllocatePool: weights are hundreds of MB to GBs and the
 * pool allocator of some firmware handles that badly. Each block starts with
 * a 64-byte header holding its page count (plat_free needs it) so the
 * caller's pointer stays 64-byte aligned. */
#include "memory.h"

#include "efi.h"
#include "main.h"
#include "platform.h"
#include "rt_string.h"

#define PAGE_SIZE 4096ull
#define HEADER    64ull
#define MAGIC     0x6c6c6d62616c6c63ull /* "llmballc": catches double or bad frees */

struct block_header {
    uint64_t magic;
    uint64_t pages;
};

void *plat_alloc(size_t size)
{
    if (size > UINT64_MAX - HEADER - PAGE_SIZE) return NULL;
    uint64_t pages = (size + HEADER + PAGE_SIZE - 1) / PAGE_SIZE;
    EFI_PHYSICAL_ADDRESS addr = 0;
    if (EFI_ERROR(fw_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &addr))) return NULL;
    rt_memset((void *)(uintptr_t)addr, 0, pages * PAGE_SIZE);
    struct block_header *h = (struct block_header *)(uintptr_t)addr;
    h->magic = MAGIC;
    h->pages = pages;
    return (char *)h + HEADER;
}

void plat_free(void *block)
{
    if (!block) return;
    struct block_header *h = (struct block_header *)((char *)block - HEADER);
    if (h->magic != MAGIC) return; /* not ours: leaking beats corrupting the memory map */
    h->magic = 0;
    fw_bs->FreePages((EFI_PHYSICAL_ADDRESS)(uintptr_t)h, h->pages);
}

void fw_memory_info(uint64_t *free_total, uint64_t *largest_free)
{
    *free_total = *largest_free = 0;
    UINTN size = 0, key, desc_size;
    UINT32 desc_version;
    fw_bs->GetMemoryMap(&size, NULL, &key, &desc_size, &desc_version);
    /* Allocating the buffer can add descriptors: leave room for a few. */
    size += 8 * sizeof(EFI_MEMORY_DESCRIPTOR) + 512;
    void *map = NULL;
    if (EFI_ERROR(fw_bs->AllocatePool(EfiLoaderData, size, &map))) return;
    if (!EFI_ERROR(fw_bs->GetMemoryMap(&size, map, &key, &desc_size, &desc_version))) {
        /* Adjacent free descriptors form one range AllocatePages can hand
         * out whole, so runs of them count as one block. */
        uint64_t run = 0, run_end = 0;
        for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
            EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((char *)map + off);
            if (d->Type != EfiConventionalMemory) continue;
            uint64_t bytes = d->NumberOfPages * PAGE_SIZE;
            *free_total += bytes;
            run = d->PhysicalStart == run_end ? run + bytes : bytes;
            run_end = d->PhysicalStart + bytes;
            if (run > *largest_free) *largest_free = run;
        }
    }
    fw_bs->FreePool(map);
}

uint64_t fw_usable_memory(void)
{
    uint64_t total, largest;
    fw_memory_info(&total, &largest);
    return total;
}
