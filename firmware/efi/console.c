/* Console: plat_write onto the framebuffer console (gop.c) when there is a
 * Graphics Output Protocol, else onto ConOut; a serial port gets the same
 * text as raw UTF-8; key input comes from ConIn.
 *
 * Framebuffer. With GOP, text is drawn by us (fbcon, Unifont) and ConOut is
 * not written at all: OVMF's and most PCs' ConOut includes a graphics
 * console on the same framebuffer, which would draw its own (ASCII-only)
 * copy of the text over ours. ConIn stays: keys still come from the
 * keyboard and from the serial terminal.
 *
 * Serial mirroring. Headless runs (tests, servers with a BMC) read the
 * serial port. OVMF, and firmware with "console redirection", already put
 * a terminal on the UART into ConOut; writing to the UART ourselves as well
 * would print everything twice. So: if any device path in the ConOut
 * variable (or, lacking it, of any text-output handle) has a UART node, the
 * firmware mirrors for us; otherwise we copy every byte to the first
 * EFI_SERIAL_IO_PROTOCOL handle, if there is one. */
#include "console.h"

#include "efi.h"
#include "gop.h"
#include "main.h"
#include "platform.h"
#include "proto/device_path.h"
#include "proto/serial_io.h"
#include "proto/simple_text_output.h"
#include "rt_format.h"

static EFI_SERIAL_IO_PROTOCOL *mirror;

/* A device path list (instances separated by END_INSTANCE nodes). */
static bool path_has_uart(const EFI_DEVICE_PATH_PROTOCOL *dp, UINTN max_len)
{
    const uint8_t *p = (const uint8_t *)dp, *end = p + max_len;
    while (p + 4 <= end) {
        uint8_t type = p[0] & 0x7f, sub = p[1];
        uint16_t len = (uint16_t)(p[2] | p[3] << 8);
        if (type == END_DEVICE_PATH_TYPE && sub == END_ENTIRE_DEVICE_PATH_SUBTYPE) break;
        if (type == MESSAGING_DEVICE_PATH && sub == MSG_UART_DP) return true;
        if (len < 4) break; /* malformed: stop rather than loop forever */
        p += len;
    }
    return false;
}

static bool conout_has_serial(void)
{
    EFI_GUID global = EFI_GLOBAL_VARIABLE;
    static uint8_t buf[4096];
    UINTN size = sizeof buf;
    UINT32 attrs;
    if (!EFI_ERROR(fw_st->RuntimeServices->GetVariable(L"ConOut", &global, &attrs, &size, buf)))
        return path_has_uart((const EFI_DEVICE_PATH_PROTOCOL *)buf, size);

    EFI_GUID text_out = EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID, dp_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
    UINTN count = 0;
    EFI_HANDLE *handles = NULL;
    if (EFI_ERROR(fw_bs->LocateHandleBuffer(ByProtocol, &text_out, NULL, &count, &handles))) return false;
    bool found = false;
    for (UINTN i = 0; i < count && !found; i++) {
        EFI_DEVICE_PATH_PROTOCOL *dp = NULL;
        if (!EFI_ERROR(fw_bs->HandleProtocol(handles[i], &dp_guid, (void **)&dp)) && dp)
            found = path_has_uart(dp, 1 << 16);
    }
    fw_bs->FreePool(handles);
    return found;
}

void fw_console_init(void)
{
    /* Some firmware hands over with the text cursor hidden. */
    fw_st->ConOut->EnableCursor(fw_st->ConOut, TRUE);
    /* With our own screen, ConOut's serial terminal goes silent too, so we
     * write the UART ourselves whether or not ConOut has one. */
    if (!fw_gop_init() && conout_has_serial()) return;
    EFI_GUID serial_guid = EFI_SERIAL_IO_PROTOCOL_GUID;
    EFI_SERIAL_IO_PROTOCOL *serial = NULL;
    if (!EFI_ERROR(fw_bs->LocateProtocol(&serial_guid, NULL, (void **)&serial))) mirror = serial;
}

void fw_console_banner(void)
{
    const char *serial = mirror ? ", mirrored to the serial port" : "";
    if (fw_gop_active()) {
        char what[128];
        fw_gop_describe(what, sizeof what);
        fw_printf("console: framebuffer %s%s\n", what, serial);
    } else if (mirror) {
        fw_printf("console: mirrored to the serial port\n");
    }
}

void fw_console_style(int style)
{
    if (fw_gop_active()) fw_gop_color(style);
}

unsigned fw_console_set_font_scale(unsigned scale) { return fw_gop_set_scale(scale); }

unsigned fw_console_cell_width(uint32_t cp) { return fw_gop_active() ? fw_gop_cell_width(cp) : 1; }

static void serial_write(const char *bytes, UINTN len)
{
    if (!mirror) return;
    while (len) {
        UINTN n = len;
        if (EFI_ERROR(mirror->Write(mirror, &n, (void *)bytes)) || n == 0)
            return; /* a broken UART must not hang the console */
        bytes += n;
        len -= n;
    }
}

/* UCS-2 staging buffer for OutputString. */
static CHAR16 wbuf[257];
static UINTN wlen;

static void flush_wide(void)
{
    if (!wlen) return;
    wbuf[wlen] = 0;
    fw_st->ConOut->OutputString(fw_st->ConOut, wbuf);
    wlen = 0;
}

static void put_wide(CHAR16 c)
{
    if (wlen + 1 >= sizeof wbuf / sizeof wbuf[0] - 1) flush_wide();
    wbuf[wlen++] = c;
}

/* A UTF-8 sequence can be split across calls (the engine writes token by
 * token), so the decoder's state lives between them. */
static uint32_t cp;
static int need;

static void put_byte(uint8_t b)
{
    if (need && (b & 0xc0) == 0x80) {
        cp = cp << 6 | (b & 0x3f);
        if (--need == 0) put_wide(cp <= 0xffff && (cp < 0xd800 || cp > 0xdfff) ? (CHAR16)cp : 0xfffd);
        return;
    }
    if (need) { /* truncated sequence */
        put_wide(0xfffd);
        need = 0;
    }
    if (b < 0x80) {
        if (b == '\n') put_wide('\r');
        put_wide(b);
    } else if ((b & 0xe0) == 0xc0) {
        cp = b & 0x1f;
        need = 1;
    } else if ((b & 0xf0) == 0xe0) {
        cp = b & 0x0f;
        need = 2;
    } else if ((b & 0xf8) == 0xf0) {
        cp = b & 0x07;
        need = 3;
    } else {
        put_wide(0xfffd);
    }
}

void plat_write(const char *text, size_t len)
{
    if (fw_gop_active()) {
        fw_gop_write(text, len);
    } else {
        for (size_t i = 0; i < len; i++) put_byte((uint8_t)text[i]);
        flush_wide();
    }
    if (mirror) {
        /* Raw UTF-8 to the serial terminal, with CR before each LF. */
        size_t start = 0;
        for (size_t i = 0; i < len; i++) {
            if (text[i] == '\n') {
                serial_write(text + start, i - start);
                serial_write("\r\n", 2);
                start = i + 1;
            }
        }
        serial_write(text + start, len - start);
    }
}

static void write_console(void *ctx, const char *bytes, size_t n)
{
    (void)ctx;
    plat_write(bytes, n);
}

void fw_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_vformat_chunked(write_console, NULL, fmt, ap);
    va_end(ap);
}

unsigned fw_console_columns(void)
{
    if (fw_gop_active()) {
        unsigned cols = fw_gop_columns();
        return cols > 1000 ? 1000 : cols;
    }
    UINTN cols = 0, rows = 0;
    EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *out = fw_st->ConOut;
    if (!out->Mode || EFI_ERROR(out->QueryMode(out, (UINTN)out->Mode->Mode, &cols, &rows)) || cols < 20) return 80;
    return cols > 1000 ? 1000 : (unsigned)cols;
}
