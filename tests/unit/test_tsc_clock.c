/* SPDX-License-Identifier: MIT */
/* The MMU's clock (shadow/tsc_clock.c): CLOCK_MONOTONIC until a TSC rate
 * is set, then the TSC at that rate, going on from where it was; rate 0
 * goes back. */
#include "test.h"

#include <stdbool.h>
#include <time.h>
#include <x86intrin.h>

#include "../../shadow/tsc_clock.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec t = {0, ms * 1000000L};
	while (nanosleep(&t, &t))
		;
}

/* The TSC's rate, over 50 ms of CLOCK_MONOTONIC. */
static uint32_t measured_khz(void)
{
	uint64_t t0 = mono_ns(), c0 = __rdtsc();
	sleep_ms(50);
	uint64_t t1 = mono_ns(), c1 = __rdtsc();
	return (uint32_t)((c1 - c0) * 1000000ull / (t1 - t0));
}

/* How far the clock moved over 50 ms of CLOCK_MONOTONIC, in percent. */
static uint64_t percent_of_real_time(void)
{
	uint64_t m0 = mono_ns(), t0 = tsc_clock_ns();
	sleep_ms(50);
	uint64_t t1 = tsc_clock_ns(), m1 = mono_ns();
	return (t1 - t0) * 100 / (m1 - m0);
}

TEST(tsc_clock_rate_and_switch)
{
	uint64_t a = mono_ns(), t = tsc_clock_ns(), b = mono_ns();
	CHECK(t >= a && t <= b);
	uint32_t khz = measured_khz();
	CHECK(khz > 0);
	tsc_clock_set_khz(khz);
	/* Continuous at the switch (within a millisecond), and monotonic. */
	uint64_t m0 = mono_ns(), t0 = tsc_clock_ns();
	CHECK(t0 + 1000000 > m0 && t0 < m0 + 1000000);
	bool forward = true;
	for (unsigned i = 0; i < 100000; i++) {
		uint64_t x = tsc_clock_ns();
		forward &= x >= t0;
		t0 = x;
	}
	CHECK(forward);
	uint64_t p = percent_of_real_time();
	CHECK(p >= 85 && p <= 115);
	/* A rate twice the real one: the clock runs at half speed, so it is
	 * the TSC that is read. */
	tsc_clock_set_khz(2 * khz);
	p = percent_of_real_time();
	CHECK(p >= 40 && p <= 60);
	tsc_clock_set_khz(0);
	a = mono_ns(), t = tsc_clock_ns(), b = mono_ns();
	CHECK(t >= a && t <= b);
}
