/* SPDX-License-Identifier: MIT */
/*
 * The main stack grows on demand (a VM_GROWSDOWN VMA, VmFlags gd), and
 * RLIMIT_STACK bounds the growth: recursion past the limit is SIGSEGV,
 * read at fault time, as Linux's acct_stack_growth does.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

/* Uses about depth KiB of stack, touching every page. */
__attribute__((noinline)) static int recurse(int depth)
{
	volatile char frame[1024];
	frame[0] = (char)depth;
	frame[sizeof(frame) - 1] = (char)depth;
	if (depth <= 1)
		return frame[0];
	return recurse(depth - 1) + frame[sizeof(frame) - 1];
}

/* Child: 0 if recursing `arg` KiB worked. */
static int deep(void *arg)
{
	recurse((int)(intptr_t)arg);
	return 0;
}

/* Child: lowers RLIMIT_STACK to 256 KiB, then recurses 4 MiB. */
static int deep_under_limit(void *arg)
{
	(void)arg;
	struct rlimit lim = {256 << 10, 256 << 10};
	if (setrlimit(RLIMIT_STACK, &lim))
		return 2;
	recurse(4096);
	return 0;
}

int main(void)
{
	int here;
	plan(5);
	ok(smaps_has_flag(&here, "gd"), "the main stack is a grows-down VMA (VmFlags gd)");
	long size0 = smaps_kb(&here, "Size");
	ok(size0 > 0 && size0 < 4096, "it starts small (%ld kB), not at its limit", size0);

	int status = run_in_child(deep, (void *)(intptr_t)2048);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "2 MiB of recursion grows it (%s)",
	   describe_status(status));
	recurse(1024);
	ok(smaps_kb(&here, "Size") >= 1024, "after 1 MiB of recursion the VMA is at least 1 MiB (%ld kB)",
	   smaps_kb(&here, "Size"));

	status = run_in_child(deep_under_limit, NULL);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	   "4 MiB of recursion under RLIMIT_STACK 256 KiB: SIGSEGV (%s)", describe_status(status));
	return done_testing();
}
