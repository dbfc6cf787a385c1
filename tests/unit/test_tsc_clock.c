/* SPDX-License-Identifier: MIT */
/* The MMU's clock (shadow/tsc_clock.c): CLOCK_MONOTONIC until a TSC rate
 * is set, then the TSC at that rate, going on from where it was; rate 0
 * (or one no TSC has) goes back. */
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

/* Whether the clock moved lo..hi percent of real time over 50 ms; three
 * tries, since a loaded machine may stop this thread between two reads. */
static bool moves_at(uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < 3; i++) {
		uint64_t m0 = mono_ns(), t0 = tsc_clock_ns();
		sleep_ms(50);
		uint64_t t1 = tsc_clock_ns(), m1 = mono_ns();
		uint64_t p = (t1 - t0) * 100 / (m1 - m0);
		if (p >= lo && p <= hi)
			return true;
	}
	return false;
}

/* The fixed-point scaling, exact over hours of ticks: a 64-bit product
 * would have wrapped after seconds. */
TEST(tsc_clock_scaling)
{
	const uint32_t khz[] = {100000, 1000000, 2096015, 3000000, 20000000};
	for (unsigned i = 0; i < sizeof(khz) / sizeof(khz[0]); i++) {
		uint64_t m = tsc_clock_mult(khz[i]);
		const uint64_t hours[] = {0, 1, 10, 1000};
		for (unsigned j = 0; j < sizeof(hours) / sizeof(hours[0]); j++) {
			uint64_t ticks = hours[j] * 3600 * (uint64_t)khz[i] * 1000;
			uint64_t exact = hours[j] * 3600 * 1000000000ull;
			uint64_t ns = tsc_clock_scale(ticks, m);
			/* mult is truncated: at most one ns per 2^32 ticks low */
			CHECK(ns <= exact && exact - ns <= 1 + ticks / (1ull << 32));
		}
	}
	CHECK_EQ(tsc_clock_scale(2096015, tsc_clock_mult(2096015)), 999999);
}

TEST(tsc_clock_rate_and_switch)
{
	uint64_t a = mono_ns(), t = tsc_clock_ns(), b = mono_ns();
	CHECK(t >= a && t <= b);
	/* Not a TSC's rate: stays on CLOCK_MONOTONIC. */
	CHECK(!tsc_clock_set_khz(1000));
	CHECK(!tsc_clock_set_khz(50000000));
	a = mono_ns(), t = tsc_clock_ns(), b = mono_ns();
	CHECK(t >= a && t <= b);
	uint32_t khz = measured_khz();
	/* Continuous and monotonic at the switch. */
	a = mono_ns();
	CHECK(tsc_clock_set_khz(khz));
	uint64_t t0 = tsc_clock_ns();
	b = mono_ns();
	CHECK(t0 >= a && t0 <= b);
	bool forward = true;
	for (unsigned i = 0; i < 100000; i++) {
		uint64_t x = tsc_clock_ns();
		forward &= x >= t0;
		t0 = x;
	}
	CHECK(forward);
	CHECK(moves_at(85, 115));
	/* Twice the real rate: half speed, so it is the TSC that is read;
	 * and a second rate goes on from the first clock's reading. */
	uint64_t before = tsc_clock_ns();
	CHECK(tsc_clock_set_khz(2 * khz));
	t = tsc_clock_ns();
	CHECK(t >= before && t - before < 1000000);
	CHECK(moves_at(40, 60));
	sleep_ms(20);
	/* Now behind real time; the second switch goes on from there too. */
	before = tsc_clock_ns();
	CHECK(before + 10000000 < mono_ns());
	CHECK(tsc_clock_set_khz(khz));
	t = tsc_clock_ns();
	CHECK(t >= before && t - before < 1000000);
	CHECK(!tsc_clock_set_khz(0));
	a = mono_ns(), t = tsc_clock_ns(), b = mono_ns();
	CHECK(t >= a && t <= b);
}

TEST(held_long_says_once_per_spell)
{
	struct held_since h = {0, false};
	CHECK(!held_long(&h, false, 0));
	/* The first look that holds starts the spell; the next one after
	 * the limit (0 here) says it, and no later one of the same spell. */
	CHECK(!held_long(&h, true, 0));
	CHECK(held_long(&h, true, 0));
	CHECK(!held_long(&h, true, 0));
	CHECK(!held_long(&h, true, 0));
	/* A look where it does not hold ends the spell: a new one is said
	 * again. */
	CHECK(!held_long(&h, false, 0));
	CHECK(!held_long(&h, true, 0));
	CHECK(held_long(&h, true, 0));
	/* Not before the limit. */
	struct held_since g = {0, false};
	CHECK(!held_long(&g, true, 3600ull * 1000000000ull));
	CHECK(!held_long(&g, true, 3600ull * 1000000000ull));
}

TEST(clock_after_ns_is_a_normalised_deadline)
{
	/* Whole seconds and the rest carried, tv_nsec kept below 1e9. */
	uint64_t ns[] = {0, 999999999ull, 1000000000ull, 1500000000ull, 20000ull};
	for (unsigned i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		uint64_t a = monotonic_ns();
		struct timespec t = clock_after_ns(CLOCK_MONOTONIC, ns[i]);
		uint64_t b = monotonic_ns();
		uint64_t at = (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
		CHECK(t.tv_nsec >= 0 && t.tv_nsec < 1000000000L);
		CHECK(at >= a + ns[i] && at <= b + ns[i]);
	}
}
