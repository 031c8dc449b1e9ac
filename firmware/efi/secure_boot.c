/* Secure Boot for the banner: whether the firmware enforces it (the
 * SecureBoot and SetupMode global variables) and which certificate signed
 * the running binary (its own file's Authenticode table, signer.c). */
#include "secure_boot.h"

#include "efi.h"
#include "files.h"
#include "main.h"
#include "platform.h"
#include "proto/device_path.h"
#include "proto/loaded_image.h"
#include "signer.h"

/* Headers of the binary are read up to here; the certificate table of a
 * signed build is under 2 KiB, anything past this cap is not ours. */
#define HEAD_BYTES     4096
#define MAX_CERT_TABLE (64 * 1024)

static bool global_u8(CHAR16 *name, uint8_t *value)
{
    EFI_GUID global = EFI_GLOBAL_VARIABLE;
    UINTN size = 1;
    UINT32 attrs;
    return !EFI_ERROR(fw_st->RuntimeServices->GetVariable(name, &global, &attrs, &size, value)) && size == 1;
}

const char *fw_secure_boot_state(void)
{
    uint8_t secure = 0, setup = 0;
    if (!global_u8(L"SecureBoot", &secure)) return "not supported by this firmware";
    if (secure) return "on";
    return global_u8(L"SetupMode", &setup) && setup ? "off (setup mode: keys can be enrolled)" : "off";
}

/* The image's own path on the boot volume, from its LoadedImage file path
 * nodes (a path may be split over several nodes). */
static bool image_path(CHAR16 *out, size_t cap)
{
    EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
    EFI_LOADED_IMAGE_PROTOCOL *li = NULL;
    if (EFI_ERROR(fw_bs->HandleProtocol(fw_image, &li_guid, (void **)&li)) || !li || !li->FilePath) return false;
    size_t n = 0;
    for (EFI_DEVICE_PATH_PROTOCOL *node = li->FilePath; node->Type != END_DEVICE_PATH_TYPE;) {
        size_t len = (size_t)node->Length[0] | (size_t)node->Length[1] << 8;
        if (len < 4) return false;
        if (node->Type == MEDIA_DEVICE_PATH && node->SubType == MEDIA_FILEPATH_DP) {
            const CHAR16 *name = ((FILEPATH_DEVICE_PATH *)node)->PathName;
            for (size_t i = 0; i < (len - 4) / 2 && name[i]; i++) {
                if (n + 1 >= cap) return false;
                out[n++] = name[i];
            }
        }
        node = (EFI_DEVICE_PATH_PROTOCOL *)((uint8_t *)node + len);
    }
    out[n] = 0;
    return n > 0;
}

bool fw_image_signer(char *out, size_t cap)
{
    static CHAR16 wide[512];
    static char path[1024];
    if (!image_path(wide, sizeof wide / sizeof wide[0])) return false;
    fw_name_to_utf8(wide, path, sizeof path);
    uint64_t file_size;
    plat_file *f = plat_open(path, &file_size);
    if (!f) return false;
    static uint8_t head[HEAD_BYTES];
    size_t head_len = file_size < sizeof head ? (size_t)file_size : sizeof head;
    uint32_t offset, size;
    bool found = false;
    if (plat_read(f, 0, head, head_len) && pe_cert_table(head, head_len, &offset, &size) && size <= MAX_CERT_TABLE) {
        uint8_t *table = plat_alloc(size);
        found = table && plat_read(f, offset, table, size) && pe_signer_name(table, size, out, cap);
        plat_free(table);
    }
    plat_close(f);
    return found;
}
