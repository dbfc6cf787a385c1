/* SPDX-License-Identifier: MIT */
/*
 * Signals across fork: handlers, ignored signals and the blocked mask are
 * inherited; pending signals and timers are not.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

static volatile int handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

enum { BAD_HANDLER = 1, BAD_IGNORED = 2, BAD_MASK = 4, BAD_PENDING = 8, BAD_DELIVERY = 16 };

static int child(void *unused)
{
	struct sigaction sa;
	sigset_t mask, pending;
	int bad = 0;
	(void)unused;
	sigaction(SIGUSR1, NULL, &sa);
	if (sa.sa_handler != on_usr1)
		bad |= BAD_HANDLER;
	sigaction(SIGTERM, NULL, &sa);
	if (sa.sa_handler != SIG_IGN)
		bad |= BAD_IGNORED;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	if (!sigismember(&mask, SIGUSR2))
		bad |= BAD_MASK;
	sigpending(&pending);
	if (sigismember(&pending, SIGUSR2))
		bad |= BAD_PENDING;
	handled = 0;
	raise(SIGUSR1);
	if (handled != 1)
		bad |= BAD_DELIVERY;
	return bad;
}

int main(void)
{
	sigset_t block, pending;
	plan(8);
	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR2); /* pending in the parent only */
	sigpending(&pending);
	ok(sigismember(&pending, SIGUSR2), "SIGUSR2 pending in the parent");

	int status = run_in_child(child, NULL);
	int bad = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	ok(WIFEXITED(status), "the child ran (%s)", describe_status(status));
	ok(!(bad & BAD_HANDLER), "the child inherits the handler");
	ok(!(bad & BAD_IGNORED), "and the ignored disposition");
	ok(!(bad & BAD_MASK), "and the blocked mask");
	ok(!(bad & BAD_PENDING), "but not the pending signal");
	ok(!(bad & BAD_DELIVERY), "the inherited handler runs in the child");

	/* The pending SIGUSR2 is still the parent's: ignore it, then unblock. */
	signal(SIGUSR2, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	sigpending(&pending);
	ok(!sigismember(&pending, SIGUSR2), "ignoring a pending signal discards it");
	return done_testing();
}
