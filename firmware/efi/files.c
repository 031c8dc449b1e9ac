/* Files on the boot volume: plat_open/plat_read/plat_close for the engine
 * and fw_list_dir for the REPL.
 *
 * "The boot volume" is the file system on the device the application was
 * loaded from (LoadedImage->DeviceHandle): the USB stick, or QEMU's disk. */
#include "files.h"

#include "efi.h"
#include "main.h"
#include "platform.h"
#include "proto/file_system.h"
#include "proto/loaded_image.h"
#include "repl.h"

struct plat_file {
    EFI_FILE_PROTOCOL *handle;
    uint64_t size;
};

static EFI_FILE_PROTOCOL *root;
static bool root_tried;

EFI_FILE_PROTOCOL *fw_boot_root(void)
{
    if (root_tried) return root;
    root_tried = true;
    EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID, fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
    EFI_LOADED_IMAGE_PROTOCOL *li = NULL;
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = NULL;
    if (EFI_ERROR(fw_bs->HandleProtocol(fw_image, &li_guid, (void **)&li)) || !li) return NULL;
    if (EFI_ERROR(fw_bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs)) || !fs) return NULL;
    if (EFI_ERROR(fs->OpenVolume(fs, &root))) root = NULL;
    return root;
}

/* UTF-8 '/'-path → UCS-2 '\'-path relative to the root, into out[cap].
 * Characters beyond the BMP cannot name a FAT file: refuse them. */
static bool to_efi_path(const char *path, CHAR16 *out, size_t cap)
{
    while (*path == '/' || *path == '\\') path++;
    size_t n = 0;
    const uint8_t *p = (const uint8_t *)path;
    while (*p) {
        uint32_t c = *p++;
        int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
        if (extra == 3) return false;
        if (extra) {
            c &= 0x3f >> extra;
            while (extra--) {
                if ((*p & 0xc0) != 0x80) return false;
                c = c << 6 | (*p++ & 0x3f);
            }
        }
        if (n + 1 >= cap) return false;
        out[n++] = c == '/' ? L'\\' : (CHAR16)c;
    }
    out[n] = 0;
    return true;
}

static void *pool_alloc(UINTN size)
{
    void *p = NULL;
    return EFI_ERROR(fw_bs->AllocatePool(EfiLoaderData, size, &p)) ? NULL : p;
}

/* EFI_FILE_INFO for an open handle, grown until it fits; FreePool it. */
static EFI_FILE_INFO *file_info(EFI_FILE_PROTOCOL *h)
{
    EFI_GUID info_guid = EFI_FILE_INFO_ID;
    UINTN size = sizeof(EFI_FILE_INFO) + 256 * sizeof(CHAR16);
    for (int tries = 0; tries < 4; tries++) {
        EFI_FILE_INFO *info = pool_alloc(size);
        if (!info) return NULL;
        EFI_STATUS st = h->GetInfo(h, &info_guid, &size, info);
        if (!EFI_ERROR(st)) return info;
        fw_bs->FreePool(info);
        if (st != EFI_BUFFER_TOO_SMALL) return NULL;
    }
    return NULL;
}

static EFI_FILE_PROTOCOL *open_path(const char *path)
{
    EFI_FILE_PROTOCOL *dir = fw_boot_root();
    static CHAR16 wpath[512];
    if (!dir || !to_efi_path(path, wpath, sizeof wpath / sizeof wpath[0])) return NULL;
    EFI_FILE_PROTOCOL *h = NULL;
    if (EFI_ERROR(dir->Open(dir, &h, wpath, EFI_FILE_MODE_READ, 0))) return NULL;
    return h;
}

plat_file *plat_open(const char *path, uint64_t *size_out)
{
    EFI_FILE_PROTOCOL *h = open_path(path);
    if (!h) return NULL;
    EFI_FILE_INFO *info = file_info(h);
    plat_file *f = info && !(info->Attribute & EFI_FILE_DIRECTORY) ? pool_alloc(sizeof *f) : NULL;
    if (!f) {
        if (info) fw_bs->FreePool(info);
        h->Close(h);
        return NULL;
    }
    f->handle = h;
    f->size = info->FileSize;
    fw_bs->FreePool(info);
    if (size_out) *size_out = f->size;
    return f;
}

bool plat_read(plat_file *f, uint64_t offset, void *buf, size_t len)
{
    if (!f || offset > f->size || len > f->size - offset) return false;
    if (EFI_ERROR(f->handle->SetPosition(f->handle, offset))) return false;
    /* Large requests keep the FAT driver issuing big block reads (fast on
     * USB); 8 MiB keeps us below transfer limits some drivers have. */
    const size_t chunk = 8u << 20;
    char *p = buf;
    while (len) {
        UINTN n = len < chunk ? len : chunk;
        UINTN want = n;
        if (EFI_ERROR(f->handle->Read(f->handle, &n, p)) || n != want) return false;
        p += n;
        len -= n;
    }
    return true;
}

void plat_close(plat_file *f)
{
    if (!f) return;
    f->handle->Close(f->handle);
    fw_bs->FreePool(f);
}

/* One UCS-2 code unit as UTF-8 (the inverse of to_efi_path's decoding);
 * a lone surrogate is encoded like any other unit, as FAT stores it. */
static size_t ucs2_to_utf8(CHAR16 c, uint8_t out[3])
{
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (uint8_t)(0xc0 | c >> 6);
        out[1] = (uint8_t)(0x80 | (c & 0x3f));
        return 2;
    }
    out[0] = (uint8_t)(0xe0 | c >> 12);
    out[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
    out[2] = (uint8_t)(0x80 | (c & 0x3f));
    return 3;
}

void fw_name_to_utf8(const CHAR16 *w, char *out, size_t cap)
{
    size_t n = 0;
    for (; *w; w++) {
        uint8_t enc[3];
        size_t need = ucs2_to_utf8(*w, enc);
        if (n + need + 1 > cap) {
            if (n + 1 < cap) out[n++] = '?';
            break;
        }
        for (size_t k = 0; k < need; k++) out[n++] = (char)enc[k];
    }
    out[n] = 0;
}

bool fw_list_dir(const char *dir, repl_dir_fn fn, void *ctx)
{
    EFI_FILE_PROTOCOL *root_dir = fw_boot_root();
    bool is_root = true;
    for (const char *p = dir; *p; p++)
        if (*p != '/' && *p != '\\') is_root = false;
    EFI_FILE_PROTOCOL *h = is_root ? root_dir : open_path(dir);
    if (!h) return false;
    h->SetPosition(h, 0); /* restart the enumeration of a reused handle */
    UINTN cap = sizeof(EFI_FILE_INFO) + 512 * sizeof(CHAR16);
    EFI_FILE_INFO *info = pool_alloc(cap);
    static char name[768];
    bool ok = info != NULL;
    while (ok) {
        UINTN size = cap;
        EFI_STATUS st = h->Read(h, &size, info);
        if (st == EFI_BUFFER_TOO_SMALL) {
            fw_bs->FreePool(info);
            cap = size;
            info = pool_alloc(cap);
            ok = info != NULL;
            continue;
        }
        if (EFI_ERROR(st) || size == 0) break; /* size 0: end of the directory */
        fw_name_to_utf8(info->FileName, name, sizeof name);
        if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
        repl_dirent e = {name, info->FileSize, (info->Attribute & EFI_FILE_DIRECTORY) != 0};
        fn(ctx, &e);
    }
    if (info) fw_bs->FreePool(info);
    if (!is_root) h->Close(h);
    return ok;
}
