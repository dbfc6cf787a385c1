/* SPDX-License-Identifier: MIT */
/* rt_sigaction: installing, querying, flags (SA_RESETHAND, SA_NODEFER, sa_mask), errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suite.h"

static volatile int calls, last_signo, last_code, self_blocked, usr2_blocked;

static void handler(int sig, siginfo_t *info, void *context)
{
	sigset_t now;
	(void)context;
	calls++;
	last_signo = info->si_signo;
	last_code = info->si_code;
	sigprocmask(SIG_SETMASK, NULL, &now);
	self_blocked = sigismember(&now, sig);
	usr2_blocked = sigismember(&now, SIGUSR2);
}

static int install(int sig, int flags, const sigset_t *mask)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | flags;
	if (mask)
		sa.sa_mask = *mask;
	else
		sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

int main(void)
{
	struct sigaction sa = {0}, old;
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);

	plan(18);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaddset(&sa.sa_mask, SIGUSR2);
	is_long(sigaction(SIGUSR1, &sa, &old), 0, "install a SIGUSR1 handler");
	ok(old.sa_handler == SIG_DFL, "the old action was SIG_DFL");
	memset(&old, 0, sizeof(old));
	is_long(sigaction(SIGUSR1, NULL, &old), 0, "query it back");
	ok(old.sa_sigaction == handler && (old.sa_flags & SA_SIGINFO) && sigismember(&old.sa_mask, SIGUSR2),
	   "queried handler, SA_SIGINFO and sa_mask are what was set");

	raise(SIGUSR1);
	is_long(calls, 1, "raise ran the handler once");
	is_long(last_signo, SIGUSR1, "si_signo SIGUSR1");
	is_long(last_code, SI_TKILL, "si_code SI_TKILL (raise uses tkill)");
	ok(self_blocked, "the signal is blocked inside its handler");
	ok(usr2_blocked, "sa_mask (SIGUSR2) is blocked inside the handler");

	install(SIGUSR1, SA_NODEFER, NULL);
	raise(SIGUSR1);
	ok(calls == 2 && !self_blocked, "SA_NODEFER: not blocked inside the handler");

	install(SIGUSR1, SA_RESETHAND, NULL);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	ok(calls == 3 && old.sa_handler == SIG_DFL, "SA_RESETHAND: back to SIG_DFL after one delivery");

	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	is_long(calls, 3, "an ignored signal does nothing");

	is_errno(install(SIGKILL, 0, NULL), EINVAL, "handler for SIGKILL: EINVAL");
	is_errno(install(SIGSTOP, 0, NULL), EINVAL, "handler for SIGSTOP: EINVAL");
	is_long(sigaction(SIGKILL, NULL, &old), 0, "querying SIGKILL is allowed");
	is_errno(syscall(SYS_rt_sigaction, 0, NULL, &old, 8), EINVAL, "signal 0: EINVAL");
	is_errno(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4), EINVAL, "sigsetsize 4: EINVAL");
	is_errno(syscall(SYS_rt_sigaction, SIGUSR1, unmapped_ptr(), NULL, 8), EFAULT,
		 "unmapped new action: EFAULT");
	return done_testing();
}
