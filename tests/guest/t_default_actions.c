/* SPDX-License-Identifier: MIT */
/*
 * Default signal actions, each in a child: terminate, ignore, stop and
 * continue; a fault kills even when SIGSEGV is ignored or blocked.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

/* Raises the signal, then exits 0 if it survived. Its default action
 * whatever this was started with: an ignored signal stays ignored across
 * exec (nohup ignores SIGHUP), a blocked one stays blocked. */
static int raise_it(void *sig)
{
	int signo = (int)(intptr_t)sig;
	sigset_t set;
	signal(signo, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, signo);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(signo);
	return 0;
}

static int fault_while(void *how)
{
	sigset_t set;
	if (how) {
		sigemptyset(&set);
		sigaddset(&set, SIGSEGV);
		sigprocmask(SIG_BLOCK, &set, NULL);
	} else {
		signal(SIGSEGV, SIG_IGN);
	}
	*(volatile int *)unmapped_ptr() = 1;
	return 0;
}

static int do_abort(void *unused)
{
	(void)unused;
	abort();
}

/* One check: raising sig in a child ends in the given status. */
static void expect_killed(int sig, const char *name)
{
	int status = run_in_child(raise_it, (void *)(intptr_t)sig);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == sig, "%s terminates (%s)", name,
	   describe_status(status));
}

static void expect_ignored(int sig, const char *name)
{
	int status = run_in_child(raise_it, (void *)(intptr_t)sig);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s is ignored by default (%s)", name,
	   describe_status(status));
}

int main(void)
{
	int status;
	plan(14);
	expect_killed(SIGTERM, "SIGTERM");
	expect_killed(SIGUSR1, "SIGUSR1");
	expect_killed(SIGHUP, "SIGHUP");
	expect_killed(SIGALRM, "SIGALRM");
	expect_killed(SIGSEGV, "raised SIGSEGV");
	expect_ignored(SIGCHLD, "SIGCHLD");
	expect_ignored(SIGURG, "SIGURG");
	expect_ignored(SIGWINCH, "SIGWINCH");

	status = run_in_child(do_abort, NULL);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "abort(): SIGABRT (%s)", describe_status(status));
	status = run_in_child(fault_while, NULL);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "a fault kills although SIGSEGV is ignored (%s)",
	   describe_status(status));
	status = run_in_child(fault_while, (void *)1);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "a fault kills although SIGSEGV is blocked (%s)",
	   describe_status(status));

	/* SIGSTOP stops, SIGCONT continues; wait4 reports both. */
	volatile int *go_on = shared_page();
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		/* Exit only after the parent saw the continue, or that report is lost. */
		wait_for_word(go_on, 1, 5000);
		_exit(33);
	}
	ok(wait4(pid, &status, WUNTRACED, NULL) == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	   "SIGSTOP stops the child (WIFSTOPPED)");
	kill(pid, SIGCONT);
	ok(wait4(pid, &status, WCONTINUED, NULL) == pid && WIFCONTINUED(status), "SIGCONT: WIFCONTINUED");
	*go_on = 1;
	status = wait_status(pid);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 33, "the continued child runs to its exit (%s)",
	   describe_status(status));
	return done_testing();
}
