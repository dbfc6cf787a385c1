/* SPDX-License-Identifier: MIT */
/* rt_sigprocmask and pending signals: blocking, delivery on unblock, queueing. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suite.h"

static volatile int usr1_calls, rt_calls;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_calls++;
}

static void on_rt(int sig)
{
	(void)sig;
	rt_calls++;
}

int main(void)
{
	sigset_t set, old, pending;

	plan(14);
	signal(SIGUSR1, on_usr1);
	signal(SIGRTMIN, on_rt);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN);
	is_long(sigprocmask(SIG_BLOCK, &set, &old), 0, "block SIGUSR1 and SIGRTMIN");
	ok(!sigismember(&old, SIGUSR1), "the old mask did not have SIGUSR1");

	raise(SIGUSR1);
	raise(SIGUSR1);
	for (int i = 0; i < 3; i++)
		raise(SIGRTMIN);
	is_long(usr1_calls + rt_calls, 0, "blocked signals are not delivered");
	sigpending(&pending);
	ok(sigismember(&pending, SIGUSR1) && sigismember(&pending, SIGRTMIN), "both are pending");

	is_long(sigprocmask(SIG_UNBLOCK, &set, NULL), 0, "unblock them");
	is_long(usr1_calls, 1, "a standard signal raised twice while blocked is delivered once");
	is_long(rt_calls, 3, "a real-time signal raised three times is delivered three times");
	sigpending(&pending);
	ok(!sigismember(&pending, SIGUSR1), "nothing pending after delivery");

	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	sigprocmask(SIG_SETMASK, NULL, &old);
	ok(!sigismember(&old, SIGKILL) && !sigismember(&old, SIGSTOP),
	   "SIGKILL and SIGSTOP cannot be blocked (silently dropped)");
	ok(sigismember(&old, SIGTERM), "SIG_SETMASK of a full set blocks SIGTERM");
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	is_errno(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8), EINVAL, "how = 99: EINVAL");
	is_errno(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL, "sigsetsize 4: EINVAL");
	is_errno(syscall(SYS_rt_sigprocmask, SIG_BLOCK, unmapped_ptr(), NULL, 8), EFAULT,
		 "unmapped set: EFAULT");
	is_errno(syscall(SYS_rt_sigpending, unmapped_ptr(), 8), EFAULT, "sigpending to unmapped: EFAULT");
	return done_testing();
}
