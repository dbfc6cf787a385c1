// SPDX-License-Identifier: MIT
/* Hypercalls: outl to UMBRA_HC_PORT with the number in RAX and arguments in
 * RDI, RSI, R10, R8, R9 (include/umbra/hypercall.h). */
#include <umbra/hypercall.h>

#include "hypercall.h"
#include "page.h"
#include "x86.h"

static long hypercall3(unsigned long nr, unsigned long a0, unsigned long a1,
		       unsigned long a2)
{
	register unsigned long r10 __asm__("r10") = a2;
	long ret;
	__asm__ volatile("outl %%eax, %%dx"
			 : "=a"(ret)
			 : "a"(nr), "d"(UMBRA_HC_PORT), "D"(a0), "S"(a1), "r"(r10)
			 : "memory");
	return ret;
}

void hc_exit(unsigned int status)
{
	hypercall3(UMBRA_HC_EXIT, status, 0, 0);
	/* The VMM never resumes the guest after EXIT. */
	halt_forever();
	__builtin_unreachable();
}

void hc_panic(const char *msg, size_t len)
{
	if (len > UMBRA_HC_PANIC_MAX)
		len = UMBRA_HC_PANIC_MAX;
	hypercall3(UMBRA_HC_PANIC, virt_to_phys(msg), len, 0);
	halt_forever();
	__builtin_unreachable();
}

long hc_report(unsigned long kind, unsigned long value)
{
	return hypercall3(UMBRA_HC_REPORT, kind, value, 0);
}

long hc_dump(phys_addr_t root, const char *label, size_t len, unsigned long flags)
{
	register unsigned long r10 __asm__("r10") = len;
	register unsigned long r8 __asm__("r8") = flags;
	long ret;
	__asm__ volatile("outl %%eax, %%dx"
			 : "=a"(ret)
			 : "a"((unsigned long)UMBRA_HC_DUMP), "d"(UMBRA_HC_PORT), "D"(root),
			   "S"(virt_to_phys(label)), "r"(r10), "r"(r8)
			 : "memory");
	return ret;
}

long hc_stats_all(int64_t *values, unsigned long count)
{
	return hypercall3(UMBRA_HC_STATS_ALL, virt_to_phys(values), count, 0);
}

long hc_raw(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2,
	    unsigned long a3, unsigned long a4)
{
	register unsigned long r10 __asm__("r10") = a2;
	register unsigned long r8 __asm__("r8") = a3;
	register unsigned long r9 __asm__("r9") = a4;
	long ret;
	__asm__ volatile("outl %%eax, %%dx"
			 : "=a"(ret)
			 : "a"(nr), "d"(UMBRA_HC_PORT), "D"(a0), "S"(a1), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "memory");
	return ret;
}
