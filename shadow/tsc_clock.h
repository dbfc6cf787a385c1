/* SPDX-License-Identifier: MIT */
/*
 * The clock of the MMU's short waits and of the poll thread (a stream's
 * wait, the thread's idle window, trace times), in nanoseconds: the TSC
 * scaled by its rate once the VMM has set one, else CLOCK_MONOTONIC.
 * Where the kernel's clock source is not the TSC (nested under QEMU's
 * emulation it is the HPET), clock_gettime is a system call and a device
 * read, 10-16K cycles each measured in the poll thread, against tens of
 * cycles for RDTSC. A wrong rate, or a TSC behind the one the rate was
 * set on, only changes when such a wait ends: its users measure elapsed
 * time (now - start > limit), which a bad reading ends early, not never.
 */
#ifndef UMBRA_SHADOW_TSC_CLOCK_H
#define UMBRA_SHADOW_TSC_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Rates outside this range are not a TSC's: the clock stays on
 * CLOCK_MONOTONIC. */
#define TSC_CLOCK_MIN_KHZ 100000u    /* 100 MHz */
#define TSC_CLOCK_MAX_KHZ 20000000u  /* 20 GHz */

/* The TSC ticks at khz kHz from now on; the clock goes on from its
 * present reading. 0 (or a rate out of range): back to CLOCK_MONOTONIC,
 * which may be behind a clock that ran fast. Only while no other thread
 * reads the clock (the VMM sets it before starting them). Returns
 * whether the TSC is used. */
bool tsc_clock_set_khz(uint32_t khz);

uint64_t tsc_clock_ns(void);

/* CLOCK_MONOTONIC in ns: the fallback above, and the clock of the waits
 * that must follow the kernel's (a timed wait on a condition variable,
 * the TSC's own calibration). */
uint64_t monotonic_ns(void);
/* The time ns from now on clock clk, as pthread_cond_timedwait takes its
 * deadline (on the clock the condition variable was made with). */
struct timespec clock_after_ns(clockid_t clk, uint64_t ns);

/* A condition said once when it has held for a while (the idle
 * watchdog's and the userfaultfd thread's reports): since when it holds
 * (0: it does not), and whether this spell of it was said. */
struct held_since {
	uint64_t since_ns;
	bool told;
};

/* At each look, with whether the condition holds now: true once per
 * spell, at the first look after it held for limit_ns (on CLOCK_MONOTONIC);
 * a look where it does not hold ends the spell. */
static inline bool held_long(struct held_since *h, bool holds, uint64_t limit_ns)
{
	if (!holds) {
		h->since_ns = 0;
		return false;
	}
	uint64_t now = monotonic_ns();
	if (!h->since_ns) {
		h->since_ns = now;
		h->told = false;
		return false;
	}
	if (h->told || now - h->since_ns < limit_ns)
		return false;
	h->told = true;
	return true;
}

/* ns per tick at khz, in 32.32 fixed point, and ticks in ns with it:
 * exact to the nanosecond over any run (the product is 128-bit). */
static inline uint64_t tsc_clock_mult(uint32_t khz)
{
	return (1000000ull << 32) / khz;
}

static inline uint64_t tsc_clock_scale(uint64_t ticks, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

#endif
