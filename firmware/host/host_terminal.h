/* stdin as the REPL's keyboard (terminal.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What term_read_key returns when stdin has ended: no REPL key has it. */
#define TERM_END_OF_INPUT (-1)

/* Raw mode on a terminal (restored at exit and on fatal signals). False if
 * the terminal refused it. */
bool term_init(void);
bool term_is_tty(void);
void term_restore(void);
/* repl_sys.read_key / poll_key / columns. */
int32_t term_read_key(void);
int32_t term_poll_key(void);
unsigned term_columns(void);
/* Input read but not used yet, handed over across a /reboot's exec. */
size_t term_take_pending(unsigned char *out, size_t cap);
void term_give_pending(const unsigned char *bytes, size_t n);
