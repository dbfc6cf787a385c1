// SPDX-License-Identifier: MIT
/* Kernel failure: print the message, hand it to the VMM (UMBRA_HC_PANIC),
 * which prints it and stops the VM with status 124. */
#include <stdarg.h>

#include "hypercall.h"
#include "printk.h"

static char panic_buf[512];
static bool in_panic;

void panic(const char *fmt, ...)
{
	__asm__ volatile("cli");
	if (in_panic) {
		static const char again[] = "panic while panicking";
		hc_panic(again, sizeof(again) - 1);
	}
	in_panic = true;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(panic_buf, sizeof(panic_buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(panic_buf))
		n = sizeof(panic_buf) - 1;
	pr_err("panic: %s", panic_buf);
	hc_panic(panic_buf, n);
}

/* Called by stack-protected code (Debian's libfdt.a) on a smashed canary. */
void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	panic("stack protector: stack smashed (in libfdt)");
}
