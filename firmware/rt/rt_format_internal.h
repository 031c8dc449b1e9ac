/* What rt_format.c and rt_format_float.c share: the output stream and the
 * parsed conversion spec. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "rt_format.h"

typedef struct rt_out {
    rt_write_fn *write;
    void *ctx;
    size_t len;
} rt_out;

typedef struct rt_spec {
    bool left; /* '-' */
    bool zero; /* '0' */
    char sign; /* '+', ' ' or 0 */
    int width;
    int prec; /* -1: none */
    char conv;
} rt_spec;

void rt_out_bytes(rt_out *o, const char *s, size_t n);
/* prefix (a sign, "0x") then body, padded to spec->width; zeros go between
 * the two when zero_pad. */
void rt_out_field(rt_out *o, const rt_spec *spec, const char *prefix, size_t prefix_len, const char *body,
                  size_t body_len, bool zero_pad);

void rt_format_double(rt_out *o, const rt_spec *spec, double v);
