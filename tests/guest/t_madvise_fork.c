/* SPDX-License-Identifier: MIT */
/*
 * madvise and fork: MADV_DONTFORK leaves the range out of the child (it
 * faults there), MADV_DOFORK puts it back, MADV_WIPEONFORK gives the child
 * zeros, MADV_KEEPONFORK undoes that.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "suite.h"

/* In the child: 0 if the first byte reads 'd', 1 if zero, the signal otherwise. */
static int child_reads(void *addr)
{
	siginfo_t info;
	int sig = probe_access(addr, 0, &info);
	if (sig)
		return sig == SIGSEGV && info.si_code == SEGV_MAPERR ? 100 : sig;
	return *(char *)addr == 'd' ? 0 : *(char *)addr == 0 ? 1 : 2;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	char *p = map_isolated(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		bail_out("mmap failed");
	memset(p, 'd', 2 * PAGE);

	plan(10);
	is_long(madvise(p, 2 * PAGE, MADV_DONTFORK), 0, "MADV_DONTFORK");
	ok(smaps_has_flag(p, "dc"), "VmFlags has dc");
	is_long(exit_code(run_in_child(child_reads, p)), 100, "the child has no mapping there (SEGV_MAPERR)");
	is_long(p[PAGE], 'd', "the parent still has it");
	is_long(madvise(p, 2 * PAGE, MADV_DOFORK), 0, "MADV_DOFORK");
	is_long(exit_code(run_in_child(child_reads, p)), 0, "the child sees the data again");

	is_long(madvise(p, 2 * PAGE, MADV_WIPEONFORK), 0, "MADV_WIPEONFORK");
	is_long(exit_code(run_in_child(child_reads, p)), 1, "the child reads zeros");
	is_long(p[0], 'd', "the parent keeps its data");
	madvise(p, 2 * PAGE, MADV_KEEPONFORK);
	is_long(exit_code(run_in_child(child_reads, p)), 0, "MADV_KEEPONFORK: the child sees the data");
	return done_testing();
}
