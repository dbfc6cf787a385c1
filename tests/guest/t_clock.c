/* SPDX-License-Identifier: MIT */
/* clock_gettime and friends: monotonic order, plausible wall time, errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void)
{
	struct timespec prev, now, real, res, boot;
	struct timeval tv;
	int ordered = 1;

	plan(12);
	is_long(clock_gettime(CLOCK_MONOTONIC, &prev), 0, "CLOCK_MONOTONIC");
	for (int i = 0; i < 200; i++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ns(&now) < ns(&prev))
			ordered = 0;
		prev = now;
	}
	ok(ordered, "200 monotonic reads never go backwards");
	ok(now.tv_nsec >= 0 && now.tv_nsec < 1000000000, "monotonic tv_nsec in [0, 1e9)");

	is_long(clock_gettime(CLOCK_REALTIME, &real), 0, "CLOCK_REALTIME");
	/* 2020-01-01 .. 2100-01-01. */
	ok(real.tv_sec > 1577836800 && real.tv_sec < 4102444800, "realtime is plausible (%lld)",
	   (long long)real.tv_sec);
	is_long(gettimeofday(&tv, NULL), 0, "gettimeofday");
	ok(tv.tv_sec >= real.tv_sec && tv.tv_sec <= real.tv_sec + 2, "gettimeofday agrees with realtime");

	clock_gettime(CLOCK_MONOTONIC, &prev);
	sleep_ms(5);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ok(ns(&now) - ns(&prev) >= 5000000, "a 5 ms nanosleep advances the monotonic clock by >= 5 ms");
	ok(clock_gettime(CLOCK_BOOTTIME, &boot) == 0 && ns(&boot) >= ns(&now) - 1000000,
	   "CLOCK_BOOTTIME is at least the monotonic clock");

	ok(clock_getres(CLOCK_MONOTONIC, &res) == 0 && ns(&res) > 0 && ns(&res) <= 10000000,
	   "monotonic resolution in (0, 10 ms]");
	is_errno(syscall(SYS_clock_gettime, 12345, &now), EINVAL, "unknown clock id: EINVAL");
	is_errno(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, unmapped_ptr()), EFAULT,
		 "unmapped timespec: EFAULT");
	return done_testing();
}
