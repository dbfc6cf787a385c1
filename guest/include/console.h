/* SPDX-License-Identifier: MIT */
/* The console: the 16550 UART at UMBRA_COM1_PORT, polled. */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

void serial_putc(char c);
/* Raw bytes, as a program wrote them (no newline translation). */
void console_write(const char *s, size_t n);
/* True when the last byte written ended a line (or nothing was written). */
bool console_at_line_start(void);

#endif
