/* SPDX-License-Identifier: MIT */
/* kill: signal 0 probes, delivery to self and to children, errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

static volatile int usr1_count;
static volatile siginfo_t usr1_info;

static void on_usr1(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)context;
	usr1_count++;
	memcpy((void *)&usr1_info, info, sizeof(*info));
}

int main(void)
{
	volatile int *ready = shared_page();
	struct sigaction action = {0};
	int status;
	if (!ready)
		bail_out("no shared page");

	plan(14);
	is_long(kill(getpid(), 0), 0, "kill(self, 0) succeeds");
	is_errno(kill(getpid(), 65), EINVAL, "signal 65: EINVAL");
	is_errno(kill(getpid(), -1), EINVAL, "signal -1: EINVAL");

	action.sa_sigaction = on_usr1;
	action.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &action, NULL);
	is_long(kill(getpid(), SIGUSR1), 0, "kill(self, SIGUSR1) succeeds");
	is_long(usr1_count, 1, "handler ran before kill returned");
	is_long(usr1_info.si_code, SI_USER, "si_code SI_USER");
	ok(usr1_info.si_pid == getpid() && usr1_info.si_uid == getuid(), "si_pid and si_uid of the sender");

	/* A child that ignores SIGTERM: SIGTERM does nothing, SIGKILL kills. */
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		*ready = 1;
		for (;;)
			pause();
	}
	wait_for_word(ready, 1, 5000);
	is_long(kill(pid, 0), 0, "kill(child, 0) succeeds while it lives");
	is_long(kill(pid, SIGTERM), 0, "SIGTERM to a child that ignores it");
	sleep_ms(10);
	is_long(wait4(pid, &status, WNOHANG, NULL), 0, "child survives the ignored SIGTERM");
	kill(pid, SIGKILL);
	status = wait_status(pid);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "SIGKILL kills it (%s)",
	   describe_status(status));
	is_errno(kill(pid, 0), ESRCH, "kill of a reaped child: ESRCH");

	pid = fork();
	if (pid == 0)
		for (;;)
			pause();
	kill(pid, SIGTERM);
	status = wait_status(pid);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "SIGTERM's default action kills (%s)",
	   describe_status(status));

	/* Another user's process: root may signal it, others get EPERM. */
	if (is_root())
		is_long(kill(1, 0), 0, "root: kill(1, 0) succeeds");
	else
		is_errno(kill(1, 0), EPERM, "non-root: kill(1, 0): EPERM");
	return done_testing();
}
