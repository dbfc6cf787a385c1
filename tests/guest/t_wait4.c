/* SPDX-License-Identifier: MIT */
/* wait4: exit statuses, deaths by signal, WNOHANG, rusage and errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

static int exit_with(void *code)
{
	return (int)(intptr_t)code;
}

static int die_of_segv(void *unused)
{
	(void)unused;
	*(volatile int *)unmapped_ptr() = 1;
	return 0;
}

/* A child that sleeps until killed. */
static pid_t sleeper(void)
{
	pid_t pid = fork();
	if (pid == 0)
		for (;;)
			pause();
	return pid;
}

int main(void)
{
	int status;
	struct rusage usage;

	plan(16);
	status = run_in_child(exit_with, (void *)0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit 0: WIFEXITED, status 0");
	status = run_in_child(exit_with, (void *)1);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit 1 (%s)", describe_status(status));
	status = run_in_child(exit_with, (void *)255);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 255, "exit 255 (%s)", describe_status(status));
	ok(!WIFSIGNALED(status), "an exit is not WIFSIGNALED");

	status = run_in_child(die_of_segv, NULL);
	ok(WIFSIGNALED(status), "child killed by SIGSEGV: WIFSIGNALED (%s)", describe_status(status));
	is_long(WTERMSIG(status), SIGSEGV, "WTERMSIG is SIGSEGV");
	ok(!WIFEXITED(status), "a death by signal is not WIFEXITED");

	/* WNOHANG on a live child, then kill it and reap with rusage. */
	pid_t pid = sleeper();
	is_long(wait4(pid, &status, WNOHANG, NULL), 0, "WNOHANG on a running child returns 0");
	kill(pid, SIGKILL);
	is_long(wait4(pid, &status, 0, &usage), pid, "wait4 returns the child's pid");
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed child: WTERMSIG SIGKILL (%s)",
	   describe_status(status));

	/* wait4(-1) reaps any child; two children, two distinct pids. */
	pid_t a = fork();
	if (a == 0)
		_exit(3);
	pid_t b = fork();
	if (b == 0)
		_exit(4);
	pid_t first = wait4(-1, &status, 0, NULL);
	int first_code = WEXITSTATUS(status);
	pid_t second = wait4(-1, &status, 0, NULL);
	ok((first == a && second == b) || (first == b && second == a), "wait4(-1) reaps both children");
	ok(first_code + WEXITSTATUS(status) == 7 &&
		   (first == a ? first_code == 3 : first_code == 4),
	   "each status belongs to its pid");

	is_errno(wait4(-1, &status, 0, NULL), ECHILD, "no children left: ECHILD");
	is_errno(wait4(getppid(), &status, 0, NULL), ECHILD, "a pid that is not a child: ECHILD");
	pid = sleeper();
	is_errno(wait4(pid, &status, 0x1000, NULL), EINVAL, "unknown option bits: EINVAL");
	kill(pid, SIGKILL);
	wait_status(pid);
	pid = fork();
	if (pid == 0)
		_exit(0);
	sleep_ms(10);
	is_errno(wait4(pid, unmapped_ptr(), 0, NULL), EFAULT, "status pointer unmapped: EFAULT");
	wait4(pid, NULL, 0, NULL);
	return done_testing();
}
