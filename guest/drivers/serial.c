// SPDX-License-Identifier: MIT
/*
 * The console: a 16550 UART at UMBRA_COM1_PORT, written by polling. The
 * VMM's UART needs no set-up (baud rate, FIFO) and no interrupts are used.
 */
#include <umbra/boot.h>

#include "console.h"
#include "x86.h"

#define UART_TX 0  /* transmit holding register */
#define UART_LSR 5 /* line status register */
#define UART_LSR_THRE 0x20

static bool at_line_start = true;

void serial_putc(char c)
{
	while (!(inb(UMBRA_COM1_PORT + UART_LSR) & UART_LSR_THRE))
		;
	outb(UMBRA_COM1_PORT + UART_TX, (uint8_t)c);
	at_line_start = c == '\n';
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}

bool console_at_line_start(void)
{
	return at_line_start;
}
