/* SPDX-License-Identifier: MIT */
/* hostile=CASE: bogus hypercalls for the VMM's tests (kernel/hostile.c). */
#ifndef GUEST_HOSTILE_H
#define GUEST_HOSTILE_H

/* Runs the case named on the command line (NULL: none). */
void hostile_run(const char *which);
/* On each CPU but the boot one, before it first takes the kernel lock:
 * hostile=smp's share of the calls, once the boot CPU says go. */
void hostile_secondary(void);

#endif
