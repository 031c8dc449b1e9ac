/* The REPL's formatted output over the runtime's formatter (see text.h). */
#include "text.h"

#include "platform.h"

static void write_console(void *ctx, const char *bytes, size_t n)
{
    (void)ctx;
    plat_write(bytes, n);
}

void txt_vprintf(const char *fmt, va_list ap) { rt_vformat_chunked(write_console, NULL, fmt, ap); }

void txt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    txt_vprintf(fmt, ap);
    va_end(ap);
}

size_t txt_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    if (!cap) return 0;
    va_list ap;
    va_start(ap, fmt);
    int n = rt_vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

void txt_puts(const char *s) { plat_write(s, rt_strlen(s)); }
