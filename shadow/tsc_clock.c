/* SPDX-License-Identifier: MIT */
/* The TSC as a nanosecond clock (tsc_clock.h). */
#include "tsc_clock.h"

#include <stdatomic.h>
#include <time.h>
#include <x86intrin.h>

/* ns = base_ns + (tsc - base_tsc) * mult / 2^32; mult 0: CLOCK_MONOTONIC.
 * The bases are stored before mult (release) and read after it. */
static _Atomic uint64_t base_ns, base_tsc, mult;

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void tsc_clock_set_khz(uint32_t khz)
{
	uint64_t now = tsc_clock_ns();
	atomic_store_explicit(&mult, 0, memory_order_release);
	if (!khz)
		return;
	atomic_store_explicit(&base_tsc, __rdtsc(), memory_order_relaxed);
	atomic_store_explicit(&base_ns, now, memory_order_relaxed);
	/* 10^6 / khz ns per tick, in 32.32 fixed point. */
	atomic_store_explicit(&mult, (1000000ull << 32) / khz, memory_order_release);
}

uint64_t tsc_clock_ns(void)
{
	uint64_t m = atomic_load_explicit(&mult, memory_order_acquire);
	if (!m)
		return monotonic_ns();
	uint64_t ticks = __rdtsc() - atomic_load_explicit(&base_tsc, memory_order_relaxed);
	return atomic_load_explicit(&base_ns, memory_order_relaxed) +
	       (uint64_t)(((unsigned __int128)ticks * m) >> 32);
}
