/* The framebuffer console on the Graphics Output Protocol (gop.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool fw_gop_init(void);
bool fw_gop_active(void);
void fw_gop_write(const char *text, size_t len);
unsigned fw_gop_columns(void);
void fw_gop_color(int color);
unsigned fw_gop_set_scale(unsigned scale);
unsigned fw_gop_cell_width(uint32_t cp);
/* "1280x800, 160x50 cells at scale 1 (GNU Unifont 15.0.01)" */
void fw_gop_describe(char *out, size_t cap);
