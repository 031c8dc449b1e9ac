/* The console (console.c): plat_write onto the framebuffer or ConOut, with
 * a serial mirror, and what the REPL asks of the screen. */
#pragma once

#include <stdint.h>

void fw_console_init(void);
/* Columns of the current text mode (80 if the firmware cannot say). */
unsigned fw_console_columns(void);
/* Colours the REPL asks for (repl_sys.style), in repl_style order. */
void fw_console_style(int style);
/* repl_sys.set_font_scale: 0 = automatic; returns the scale, 0 without a
 * framebuffer console. */
unsigned fw_console_set_font_scale(unsigned scale);
/* repl_sys.cell_width: the framebuffer font's widths, else 1. */
unsigned fw_console_cell_width(uint32_t cp);
/* The runtime's formatter (rt_format.h) onto the console, through
 * plat_write as the REPL's text is. */
void fw_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The banner's "console:" line, if there is something to say. */
void fw_console_banner(void);
