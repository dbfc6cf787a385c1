/* SPDX-License-Identifier: MIT */
/* Calls into the VMM (ABI: include/umbra/hypercall.h). */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

__noreturn void hc_exit(unsigned int status);
__noreturn void hc_panic(const char *msg, size_t len);
long hc_report(unsigned long kind, unsigned long value);
/* UMBRA_HC_DUMP: the VMM appends a dump of the tables under root (0: all)
 * to its dump file; label is any kernel pointer. */
long hc_dump(phys_addr_t root, const char *label, size_t len, unsigned long flags);
/* UMBRA_HC_STATS_ALL: counters 0 .. count - 1 into values (not crossing
 * a page; written by the kernel first), each as UMBRA_HC_STATS would
 * return it. Returns count or a negative error. */
long hc_stats_all(int64_t *values, unsigned long count);
/* Any call with any arguments, as a hostile kernel makes them
 * (kernel/hostile.c): RAX as it comes back. */
long hc_raw(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2,
	    unsigned long a3, unsigned long a4);

#endif
