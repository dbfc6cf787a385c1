/* SPDX-License-Identifier: MIT */
/*
 * siglongjmp out of signal handlers: with savemask the jump restores the
 * signal mask, without it the handler's mask (signal blocked) stays; faults
 * can be escaped repeatedly.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "suite.h"

static sigjmp_buf env;

static void jump_out(int sig)
{
	siglongjmp(env, sig);
}

static int usr1_blocked(void)
{
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	return sigismember(&now, SIGUSR1);
}

int main(void)
{
	volatile int jumps = 0, kept = 0;
	sigset_t empty;
	sigemptyset(&empty);

	plan(9);
	signal(SIGUSR1, jump_out);
	int got = sigsetjmp(env, 1);
	if (got == 0) {
		kept = 17;
		raise(SIGUSR1);
		ok(0, "siglongjmp did not happen");
	}
	is_long(got, SIGUSR1, "sigsetjmp(savemask=1) returns the value passed by the handler");
	ok(!usr1_blocked(), "savemask=1: mask restored, SIGUSR1 no longer blocked");
	is_long(kept, 17, "a volatile local written before the jump is kept");

	got = sigsetjmp(env, 0);
	if (got == 0)
		raise(SIGUSR1);
	is_long(got, SIGUSR1, "sigsetjmp(savemask=0) returns too");
	ok(usr1_blocked(), "savemask=0: the handler's mask stays, SIGUSR1 blocked");
	sigprocmask(SIG_SETMASK, &empty, NULL);

	/* Three faults in a row, each escaped by siglongjmp. */
	signal(SIGSEGV, jump_out);
	volatile char *hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (volatile int i = 0; i < 3; i++)
		if (sigsetjmp(env, 1) == 0)
			hole[i] = 1;
		else
			jumps++;
	is_long(jumps, 3, "three SIGSEGVs escaped by siglongjmp");
	ok(!usr1_blocked(), "mask clean after the escapes");
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	ok(!sigismember(&now, SIGSEGV), "SIGSEGV not left blocked");
	signal(SIGSEGV, SIG_DFL);
	struct vma vma;
	ok(maps_find((void *)hole, &vma) && !strcmp(vma.perms, "---p"), "the faulting page is still PROT_NONE");
	return done_testing();
}
