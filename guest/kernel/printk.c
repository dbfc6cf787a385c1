// SPDX-License-Identifier: MIT
/* Kernel messages on the console; see include/printk.h. */
#include <stdarg.h>

#include "console.h"
#include "printk.h"

#define PRINTK_PREFIX "umbra-guest: "

bool console_quiet;

static void put_line_prefix(void)
{
	console_write(PRINTK_PREFIX, sizeof(PRINTK_PREFIX) - 1);
}

void vprintk(int level, const char *fmt, va_list ap)
{
	if (console_quiet && level > LOGLEVEL_WARNING)
		return;
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	/* A program may have left a line unfinished: finish it, so that each
	 * kernel line starts with the prefix. */
	if (!console_at_line_start())
		serial_putc('\n');
	bool line_start = true;
	for (int i = 0; i < n; i++) {
		if (line_start)
			put_line_prefix();
		serial_putc(buf[i]);
		line_start = buf[i] == '\n';
	}
	if (!line_start)
		serial_putc('\n');
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}
