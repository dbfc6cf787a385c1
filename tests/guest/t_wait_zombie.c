/* SPDX-License-Identifier: MIT */
/*
 * Zombies: an exited child keeps its status until reaped, is still a
 * process for kill(0), and is gone after wait4.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	int status;
	plan(6);
	pid_t pid = fork();
	if (pid == 0)
		_exit(21);
	/* Until it has exited, without reaping it (a fixed sleep was once too
	 * short on a loaded machine: the SIGKILL below then killed it alive). */
	siginfo_t si;
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0)
		bail_out("waitid WNOWAIT: errno %d", errno);
	is_long(kill(pid, 0), 0, "a zombie still exists for kill(pid, 0)");
	is_long(kill(pid, SIGKILL), 0, "killing a zombie succeeds");
	int got = 0;
	for (int i = 0; i < 2000 && got == 0; i++) {
		got = wait4(pid, &status, WNOHANG, NULL);
		if (got == 0)
			sleep_ms(1);
	}
	is_long(got, pid, "WNOHANG reaps the zombie");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 21, "with its exit status, not the late SIGKILL (%s)",
	   describe_status(status));
	is_errno(kill(pid, 0), ESRCH, "after reaping: ESRCH");
	is_errno(wait4(pid, &status, WNOHANG, NULL), ECHILD, "and nothing left to wait for: ECHILD");
	return done_testing();
}
