/* SPDX-License-Identifier: MIT */
/* The TSC as a nanosecond clock (tsc_clock.h). */
#include "tsc_clock.h"

#include <time.h>
#include <x86intrin.h>

/* ns = base_ns + scale(tsc - base_tsc, mult); mult 0: CLOCK_MONOTONIC.
 * Plain: set before the readers' threads exist (pthread_create orders
 * it), so a race here is a bug ThreadSanitizer should see. */
static uint64_t base_ns, base_tsc, mult;

uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct timespec clock_after_ns(clockid_t clk, uint64_t ns)
{
	struct timespec t;
	clock_gettime(clk, &t);
	t.tv_sec += (time_t)(ns / 1000000000ull);
	t.tv_nsec += (long)(ns % 1000000000ull);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

bool tsc_clock_set_khz(uint32_t khz)
{
	uint64_t now = tsc_clock_ns();
	mult = 0;
	if (khz < TSC_CLOCK_MIN_KHZ || khz > TSC_CLOCK_MAX_KHZ)
		return false;
	base_tsc = __rdtsc();
	base_ns = now;
	mult = tsc_clock_mult(khz);
	return true;
}

uint64_t tsc_clock_ns(void)
{
	if (!mult)
		return monotonic_ns();
	/* A CPU whose TSC is behind the one the base was read on reads the
	 * base, not a wrapped-around future. */
	int64_t ticks = (int64_t)(__rdtsc() - base_tsc);
	return base_ns + tsc_clock_scale(ticks > 0 ? (uint64_t)ticks : 0, mult);
}
