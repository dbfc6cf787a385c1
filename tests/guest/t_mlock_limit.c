/* SPDX-License-Identifier: MIT */
/*
 * RLIMIT_MEMLOCK as Linux applies it to mlock, mmap(MAP_LOCKED) and
 * mlockall, and to brk and mremap growing locked memory: a normal user gets EPERM with a zero limit and ENOMEM/EAGAIN
 * beyond a non-zero one (pages already locked do not count twice); root
 * (CAP_IPC_LOCK) is not bound by it. Each case runs in a child that sets
 * the limit and exits with 0 or the errno it got.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

enum lock_case { MLOCK_2, MLOCK_1_TWICE, MAP_LOCKED_2, MLOCKALL_CURRENT, MLOCKALL_FUTURE_THEN_MAP,
		BRK_AFTER_MLOCKALL_FUTURE, MREMAP_GROW_LOCKED };

struct lock_test {
	enum lock_case what;
	rlim_t limit_pages;
};

static int result(long ret)
{
	return ret == -1 ? errno : 0;
}

static int run_case(void *arg)
{
	const struct lock_test *t = arg;
	struct rlimit lim = {t->limit_pages * PAGE, t->limit_pages * PAGE};
	if (setrlimit(RLIMIT_MEMLOCK, &lim))
		return 255;
	char *mem = map_isolated(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!mem)
		return 254;
	switch (t->what) {
	case MLOCK_2:
		return result(mlock(mem, 2 * PAGE));
	case MLOCK_1_TWICE:
		if (mlock(mem, PAGE))
			return 253;
		return result(mlock(mem, PAGE));
	case MAP_LOCKED_2: {
		void *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
			       -1, 0);
		return p == MAP_FAILED ? errno : 0;
	}
	case MLOCKALL_CURRENT:
		return result(mlockall(MCL_CURRENT));
	case MLOCKALL_FUTURE_THEN_MAP: {
		if (mlockall(MCL_FUTURE))
			return errno;
		void *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? 100 + errno : 0;
	}
	case BRK_AFTER_MLOCKALL_FUTURE: {
		/* The raw syscall: a failed brk returns the old break (sbrk
		 * then says ENOMEM). One page fits the 1-page limit, the next
		 * does not. */
		if (mlockall(MCL_FUTURE))
			return errno;
		unsigned long cur = syscall(SYS_brk, 0);
		if ((unsigned long)syscall(SYS_brk, cur + PAGE) != cur + PAGE)
			return 251;
		return (unsigned long)syscall(SYS_brk, cur + 2 * PAGE) == cur + 2 * PAGE ? 0 : 100 + ENOMEM;
	}
	case MREMAP_GROW_LOCKED: {
		/* 1 page locked under a 2-page limit; growing to 3 needs 3. */
		void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
			       -1, 0);
		if (p == MAP_FAILED)
			return 250;
		return mremap(p, PAGE, 3 * PAGE, MREMAP_MAYMOVE) == MAP_FAILED ? errno : 0;
	}
	}
	return 252;
}

static void check(enum lock_case what, rlim_t limit_pages, int want, const char *name)
{
	struct lock_test t = {what, limit_pages};
	int status = run_in_child(run_case, &t);
	int got = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	is_long(got, want, "%s: %s (limit %lu pages): %s", is_root() ? "root" : "non-root", name,
		(unsigned long)limit_pages, want ? errno_name(want % 100) : "succeeds");
}

int main(void)
{
	bool root = is_root();
	plan(9);
	check(MLOCK_2, 1, root ? 0 : ENOMEM, "mlock of 2 pages");
	check(MLOCK_1_TWICE, 1, 0, "locking a locked page again (counted once)");
	check(MAP_LOCKED_2, 1, root ? 0 : EAGAIN, "mmap(MAP_LOCKED) of 2 pages");
	/* EPERM up to Linux 6.x (can_do_mlock); newer kernels say ENOMEM. */
	struct lock_test zero = {MAP_LOCKED_2, 0};
	int status = run_in_child(run_case, &zero), got = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (root)
		is_long(got, 0, "root: mmap(MAP_LOCKED) with a zero limit");
	else
		ok(got == EPERM || got == ENOMEM, "non-root: mmap(MAP_LOCKED) with a zero limit: EPERM or ENOMEM (got %d)", got);
	check(MLOCKALL_CURRENT, 1, root ? 0 : ENOMEM, "mlockall(MCL_CURRENT) with more mapped");
	check(MLOCKALL_FUTURE_THEN_MAP, 0, root ? 0 : EPERM, "mlockall(MCL_FUTURE)");
	check(MLOCKALL_FUTURE_THEN_MAP, 1, root ? 0 : 100 + EAGAIN,
	      "a 2-page mapping after mlockall(MCL_FUTURE)");
	check(BRK_AFTER_MLOCKALL_FUTURE, 1, root ? 0 : 100 + ENOMEM,
	      "brk growing past the limit after mlockall(MCL_FUTURE)");
	check(MREMAP_GROW_LOCKED, 2, root ? 0 : EAGAIN, "mremap growing a locked mapping past the limit");
	return done_testing();
}
