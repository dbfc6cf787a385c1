/* SPDX-License-Identifier: MIT */
/*
 * The clock of the MMU's short waits and of the poll thread (a stream's
 * wait, the thread's idle window, trace times), in nanoseconds: the TSC
 * scaled by its rate once the VMM has set one, else CLOCK_MONOTONIC.
 * Where the kernel's clock source is not the TSC (nested under QEMU's
 * emulation it is the HPET), clock_gettime is a system call and a device
 * read, 10-16K cycles each measured in the poll thread, against tens of
 * cycles for RDTSC. A wrong rate only moves when such a wait ends.
 */
#ifndef UMBRA_SHADOW_TSC_CLOCK_H
#define UMBRA_SHADOW_TSC_CLOCK_H

#include <stdint.h>

/* The TSC ticks at khz kHz from now on (0: back to CLOCK_MONOTONIC). The
 * clock goes on from its present reading. Set before the threads that
 * read it start, or while none does. */
void tsc_clock_set_khz(uint32_t khz);

uint64_t tsc_clock_ns(void);

#endif
