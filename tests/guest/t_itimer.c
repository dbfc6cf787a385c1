/* SPDX-License-Identifier: MIT */
/* setitimer/getitimer/alarm and SIGALRM. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static long long now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

/* Waits (in small sleeps) until `count` alarms arrived or 2 s passed. */
static void wait_alarms(int count)
{
	for (int i = 0; i < 2000 && alarms < count; i++)
		sleep_ms(1);
}

static int pause_for_alarm(void *unused)
{
	(void)unused;
	struct itimerval t = {{0, 0}, {0, 10000}};
	signal(SIGALRM, SIG_DFL); /* the parent's handler was inherited */
	setitimer(ITIMER_REAL, &t, NULL);
	sleep_ms(2000);
	return 0;
}

static int child_timer(void *unused)
{
	(void)unused;
	struct itimerval t;
	getitimer(ITIMER_REAL, &t);
	return t.it_value.tv_sec == 0 && t.it_value.tv_usec == 0 ? 0 : 1;
}

int main(void)
{
	struct itimerval t = {{0, 0}, {0, 20000}}, got, old;
	struct sigaction sa = {0};

	plan(12);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	long long start = now_us();
	is_long(setitimer(ITIMER_REAL, &t, NULL), 0, "setitimer(ITIMER_REAL, 20 ms)");
	wait_alarms(1);
	long long elapsed = now_us() - start;
	is_long(alarms, 1, "SIGALRM arrived once");
	ok(elapsed >= 20000, "not before 20 ms (%lld us)", elapsed);
	getitimer(ITIMER_REAL, &got);
	ok(!got.it_value.tv_sec && !got.it_value.tv_usec, "a one-shot timer is disarmed after it fired");

	t.it_value.tv_sec = 5, t.it_value.tv_usec = 0;
	setitimer(ITIMER_REAL, &t, NULL);
	getitimer(ITIMER_REAL, &got);
	ok(got.it_value.tv_sec == 4 || (got.it_value.tv_sec == 5 && got.it_value.tv_usec == 0),
	   "getitimer shows about 5 s left (%ld s)", (long)got.it_value.tv_sec);
	is_long(run_in_child(child_timer, NULL), 0, "a forked child does not inherit the timer");
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, &old);
	ok(old.it_value.tv_sec >= 4, "disarming returns the old value");

	is_long(alarm(7), 0, "alarm(7) with no alarm pending returns 0");
	is_long(alarm(0), 7, "alarm(0) returns the seconds left, rounded up (7)");

	struct itimerval periodic = {{0, 5000}, {0, 5000}};
	alarms = 0;
	setitimer(ITIMER_REAL, &periodic, NULL);
	wait_alarms(3);
	setitimer(ITIMER_REAL, &off, NULL);
	ok(alarms >= 3, "a periodic 5 ms timer fires repeatedly (%d)", alarms);

	is_errno(setitimer(99, &t, NULL), EINVAL, "unknown timer: EINVAL");
	int status = run_in_child(pause_for_alarm, NULL);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM, "SIGALRM's default action kills (%s)",
	   describe_status(status));
	return done_testing();
}
