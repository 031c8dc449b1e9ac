/* Finding model files: .gguf and .bin at the root and in models\.
 *
 * 8.3 aliases: UEFI's file protocol gives a directory entry's name only
 * through EFI_FILE_INFO.FileName, which FAT drivers (edk2's FatPkg, as in
 * OVMF and most PC firmware) fill with the long name; the short name stored
 * beside it is not exposed, and guessing it (STORIE~1.GGU) is wrong whenever
 * two names collide. FatPkg does accept the short name when opening a file,
 * so a user who sees a long name fail can still type the alias from another
 * OS's listing. /models therefore shows the one name the firmware reports. */
#include "platform.h"
#include "session.h"
#include "text.h"

typedef struct scan_ctx {
    const char *prefix;
    model_file_fn fn;
    void *ctx;
    unsigned count;
} scan_ctx;

static void on_entry(void *ctx, const repl_dirent *e)
{
    scan_ctx *s = ctx;
    if (e->is_dir || !(txt_ends_with_nocase(e->name, ".gguf") || txt_ends_with_nocase(e->name, ".bin"))) return;
    char path[300];
    txt_snprintf(path, sizeof path, "%s%s", s->prefix, e->name);
    s->count++;
    if (s->fn) s->fn(s->ctx, path, e->size);
}

unsigned models_scan(const repl_sys *sys, model_file_fn fn, void *ctx)
{
    scan_ctx s = {"", fn, ctx, 0};
    sys->list_dir("", on_entry, &s);
    s.prefix = "models/";
    sys->list_dir("models", on_entry, &s); /* absent is fine */
    return s.count;
}
