/* SPDX-License-Identifier: MIT */
/*
 * Output of the test image: a polled 16550 on COM1 (the VMM's serial
 * console) and a minimal printf; the exit hypercall ends the run with a
 * status (include/umbra/hypercall.h).
 */
#include <stdarg.h>

#include <umbra/boot.h>
#include <umbra/hypercall.h>

#include "hwmmu.h"

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

void con_putc(char c)
{
	if (c == '\n')
		outb(UMBRA_COM1_PORT, '\r');
	outb(UMBRA_COM1_PORT, (uint8_t)c);
}

static void put_str(const char *s)
{
	while (*s)
		con_putc(*s++);
}

static void put_num(uint64_t v, unsigned base, int width, char pad)
{
	char buf[24];
	int n = 0;
	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width--)
		con_putc(pad);
	while (n)
		con_putc(buf[--n]);
}

/* %s %c %d %u %x %lu %lx %llu %llx, with an optional 0 flag and width. */
void con_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			con_putc(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		int lng = 0;
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			put_str(va_arg(ap, const char *));
			break;
		case 'c':
			con_putc((char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			if (v < 0) {
				con_putc('-');
				v = -v;
			}
			put_num((uint64_t)v, 10, width, pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			put_num(v, *fmt == 'u' ? 10 : 16, width, pad);
			break;
		}
		case '%':
			con_putc('%');
			break;
		default:
			con_putc('?');
			break;
		}
	}
	va_end(ap);
}

void hw_exit(unsigned status)
{
	register uint64_t rdi __asm__("rdi") = status;
	__asm__ volatile("outl %%eax, %%dx" ::"a"(UMBRA_HC_EXIT),
			 "d"(UMBRA_HC_PORT), "r"(rdi));
	for (;;)
		__asm__ volatile("cli; hlt");
}
