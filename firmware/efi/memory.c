/* plat_alloc/plat_free on AllocatePages, and the usable-memory figure.
 *
 * Pages rather than AllocatePool: weights are hundreds of MB to GBs and the
 * pool allocator of some firmware handles that badly. Each block starts with
 * a 64-byte header holding its page count (plat_free needs it) so the
 * caller's pointer stays 64-byte aligned. */
#include "fw.h"
#include "platform.h"

#define PAGE_SIZE 4096ull
#define HEADER 64ull
#define MAGIC 0x6c6c6d62616c6c63ull  /* "llmballc": catches double or bad frees */

struct block_header {
    uint64_t magic;
    uint64_t pages;
};

void *plat_alloc(size_t size)
{
    if (size > UINT64_MAX - HEADER - PAGE_SIZE)
        return NULL;
    uint64_t pages = (size + HEADER + PAGE_SIZE - 1) / PAGE_SIZE;
    EFI_PHYSICAL_ADDRESS addr = 0;
    if (EFI_ERROR(fw_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &addr)))
        return NULL;
    __builtin_memset((void *)(uintptr_t)addr, 0, pages * PAGE_SIZE);
    struct block_header *h = (struct block_header *)(uintptr_t)addr;
    h->magic = MAGIC;
    h->pages = pages;
    return (char *)h + HEADER;
}

void plat_free(void *block)
{
    if (!block)
        return;
    struct block_header *h = (struct block_header *)((char *)block - HEADER);
    if (h->magic != MAGIC)
        return;  /* not ours: leaking beats corrupting the memory map */
    h->magic = 0;
    fw_bs->FreePages((EFI_PHYSICAL_ADDRESS)(uintptr_t)h, h->pages);
}

uint64_t fw_usable_memory(void)
{
    UINTN size = 0, key, desc_size;
    UINT32 desc_version;
    fw_bs->GetMemoryMap(&size, NULL, &key, &desc_size, &desc_version);
    /* Allocating the buffer can add descriptors: leave room for a few. */
    size += 8 * sizeof(EFI_MEMORY_DESCRIPTOR) + 512;
    void *map = NULL;
    if (EFI_ERROR(fw_bs->AllocatePool(EfiLoaderData, size, &map)))
        return 0;
    uint64_t total = 0;
    if (!EFI_ERROR(fw_bs->GetMemoryMap(&size, map, &key, &desc_size, &desc_version))) {
        for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
            EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((char *)map + off);
            if (d->Type == EfiConventionalMemory)
                total += d->NumberOfPages * PAGE_SIZE;
        }
    }
    fw_bs->FreePool(map);
    return total;
}
