/* The framebuffer console's UEFI side: finding the Graphics Output
 * Protocol, choosing the mode, and copying what fbcon drew to the screen.
 *
 * Mode: the monitor's native resolution. When the firmware publishes the
 * monitor's EDID (EFI_EDID_ACTIVE_PROTOCOL), its preferred timing names the
 * native mode and we switch to it if it is not current. Without EDID we keep
 * the mode the firmware set: firmware on real PCs starts GOP in the panel's
 * native mode, while the largest mode a GOP lists is what the adapter can
 * produce, not what the monitor can show (a 4K mode on a 1080p panel is a
 * black or scaled screen). Under OVMF that is the std-VGA default.
 *
 * Drawing: fbcon draws into a shadow buffer in RAM and each write ends with
 * one Blt (BufferToVideo) of the changed rectangle. Blt works for every
 * pixel format, including PixelBltOnly, and never reads video memory, which
 * is uncached and very slow to read on real hardware; a scroll is a memmove
 * in RAM and one Blt of the screen. */
#include "gop.h"

#include "efi.h"
#include "fbcon.h"
#include "font.h"
#include "main.h"
#include "platform.h"
#include "proto/graphics_output.h"
#include "rt_format.h"

static EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
static fbcon con;
static bool active;

/* The EDID's preferred (first detailed) timing, if a monitor reported one. */
static bool edid_native(UINT32 *width, UINT32 *height)
{
    EFI_GUID guid = EFI_EDID_ACTIVE_PROTOCOL_GUID;
    EFI_EDID_ACTIVE_PROTOCOL *edid = NULL;
    if (EFI_ERROR(fw_bs->LocateProtocol(&guid, NULL, (void **)&edid)) || !edid || !edid->Edid || edid->SizeOfEdid < 128)
        return false;
    const UINT8 *d = edid->Edid + 54;         /* detailed timing descriptor 1 */
    if (d[0] == 0 && d[1] == 0) return false; /* a display descriptor, not a timing */
    *width = d[2] | (UINT32)(d[4] & 0xf0) << 4;
    *height = d[5] | (UINT32)(d[7] & 0xf0) << 4;
    return *width && *height;
}

static void choose_mode(void)
{
    UINT32 w, h;
    if (!edid_native(&w, &h)) return;
    const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *cur = gop->Mode->Info;
    if (cur->HorizontalResolution == w && cur->VerticalResolution == h) return;
    for (UINT32 m = 0; m < gop->Mode->MaxMode; m++) {
        EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = NULL;
        UINTN size = 0;
        if (EFI_ERROR(gop->QueryMode(gop, m, &size, &info))) continue;
        bool match = info->HorizontalResolution == w && info->VerticalResolution == h;
        fw_bs->FreePool(info);
        if (match) {
            gop->SetMode(gop, m);
            return;
        }
    }
}

bool fw_gop_init(void)
{
    EFI_GUID guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
    /* ConOut's handle first: the GOP of the screen the console is on. */
    if (EFI_ERROR(fw_bs->HandleProtocol(fw_st->ConsoleOutHandle, &guid, (void **)&gop)) || !gop) {
        gop = NULL;
        if (EFI_ERROR(fw_bs->LocateProtocol(&guid, NULL, (void **)&gop))) gop = NULL;
    }
    if (!gop || !gop->Mode || !gop->Mode->Info) return false;
    choose_mode();
    UINT32 w = gop->Mode->Info->HorizontalResolution, h = gop->Mode->Info->VerticalResolution;
    size_t cells = (size_t)(w / FONT_CELL_WIDTH) * (h / FONT_HEIGHT);
    uint32_t *shadow = plat_alloc((size_t)w * h * sizeof *shadow);
    fbcon_cell *grid = plat_alloc(cells * sizeof *grid);
    font_init(plat_alloc);
    if (!shadow || !grid || !fbcon_init(&con, shadow, w, h, w, grid, cells, fbcon_auto_scale(w, h))) {
        plat_free(shadow);
        plat_free(grid);
        return false;
    }
    /* The firmware's logo and boot messages go: the console starts on a clean screen. */
    gop->Blt(gop, (EFI_GRAPHICS_OUTPUT_BLT_PIXEL *)shadow, EfiBltBufferToVideo, 0, 0, 0, 0, w, h, w * sizeof *shadow);
    unsigned x, y, dw, dh;
    fbcon_take_dirty(&con, &x, &y, &dw, &dh); /* just sent */
    active = true;
    return true;
}

bool fw_gop_active(void) { return active; }

static void present(void)
{
    unsigned x, y, w, h;
    if (fbcon_take_dirty(&con, &x, &y, &w, &h))
        gop->Blt(gop, (EFI_GRAPHICS_OUTPUT_BLT_PIXEL *)con.pixels, EfiBltBufferToVideo, x, y, x, y, w, h,
                 con.pitch * sizeof *con.pixels);
}

void fw_gop_write(const char *text, size_t len)
{
    fbcon_write(&con, text, len);
    present();
}

unsigned fw_gop_columns(void) { return con.cols; }

void fw_gop_color(int color)
{
    if (color >= 0 && color < FBCON_COLORS) fbcon_set_color(&con, (fbcon_color)color);
}

unsigned fw_gop_set_scale(unsigned scale)
{
    if (!active) return 0;
    unsigned s = fbcon_set_scale(&con, scale ? scale : fbcon_auto_scale(con.width, con.height));
    present();
    return s;
}

unsigned fw_gop_cell_width(uint32_t cp) { return font_advance(cp); }

void fw_gop_describe(char *out, size_t cap)
{
    rt_snprintf(out, cap, "%ux%u, %ux%u cells at scale %u (GNU Unifont %s)", con.width, con.height, con.cols, con.rows,
                con.scale, font_unifont_version);
}
