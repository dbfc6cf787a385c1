/* SPDX-License-Identifier: MIT */
/* nanosleep and clock_nanosleep: durations, absolute deadlines, EINTR, errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	struct timespec req = {0, 3000000}, rem;
	plan(9);
	long long start = now_ns();
	is_long(syscall(SYS_nanosleep, &req, NULL), 0, "nanosleep 3 ms");
	ok(now_ns() - start >= 3000000, "took at least 3 ms");

	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += 4000000;
	if (deadline.tv_nsec >= 1000000000)
		deadline.tv_sec++, deadline.tv_nsec -= 1000000000;
	is_long(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL), 0,
		"clock_nanosleep to an absolute monotonic deadline");
	struct timespec after;
	clock_gettime(CLOCK_MONOTONIC, &after);
	ok(after.tv_sec > deadline.tv_sec || (after.tv_sec == deadline.tv_sec && after.tv_nsec >= deadline.tv_nsec),
	   "woke at or after the deadline");
	is_long(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &(struct timespec){0, 0}, NULL), 0,
		"a deadline in the past returns at once");

	/* A signal interrupts a long sleep: EINTR with the time left. */
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &(struct itimerval){{0, 0}, {0, 50000}}, NULL);
	req = (struct timespec){5, 0};
	is_errno(syscall(SYS_nanosleep, &req, &rem), EINTR, "a signal interrupts nanosleep: EINTR");
	ok(rem.tv_sec <= 5 && rem.tv_sec >= 3, "the remaining time is returned (%ld s)", (long)rem.tv_sec);

	req = (struct timespec){0, 1000000000};
	is_errno(syscall(SYS_nanosleep, &req, NULL), EINVAL, "tv_nsec of 1e9: EINVAL");
	req = (struct timespec){-1, 0};
	is_errno(syscall(SYS_nanosleep, &req, NULL), EINVAL, "negative tv_sec: EINVAL");
	return done_testing();
}
