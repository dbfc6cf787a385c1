/* SPDX-License-Identifier: MIT */
/*
 * mlock, mlock2(MLOCK_ONFAULT), munlock: residency (mincore), smaps Locked
 * and VmFlags lo, /proc/self/status VmLck; RLIMIT_MEMLOCK for non-root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

/* With RLIMIT_MEMLOCK 0: root may still lock, others get EPERM. */
static int lock_without_limit(void *page)
{
	struct rlimit zero = {0, 0};
	setrlimit(RLIMIT_MEMLOCK, &zero);
	if (mlock(page, PAGE) == 0)
		return 0;
	return errno == EPERM ? 1 : 2;
}

int main(void)
{
	char *a = map_isolated(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *b = map_isolated(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	long vmlck0 = status_kb("VmLck");
	if (!a || !b)
		bail_out("mmap failed");

	plan(15);
	is_long(resident_pages(a, 4 * PAGE), 0, "fresh memory is not resident");
	is_long(mlock(a, 4 * PAGE), 0, "mlock 4 pages");
	is_long(resident_pages(a, 4 * PAGE), 4, "mlock made them resident");
	ok(smaps_has_flag(a, "lo") && smaps_kb(a, "Locked") == 16, "VmFlags lo, Locked 16 kB");
	is_long(status_kb("VmLck") - vmlck0, 16, "VmLck grew by 16 kB");
	is_long(munlock(a, 4 * PAGE), 0, "munlock");
	ok(!smaps_has_flag(a, "lo") && smaps_kb(a, "Locked") == 0 && status_kb("VmLck") == vmlck0,
	   "no lo, Locked 0, VmLck back");

	is_long(mlock2(b, 4 * PAGE, MLOCK_ONFAULT), 0, "mlock2(MLOCK_ONFAULT)");
	is_long(resident_pages(b, 4 * PAGE), 0, "nothing made resident yet");
	ok(smaps_has_flag(b, "lo"), "but the VMA is locked (lo)");
	b[0] = 1, b[2 * PAGE] = 1;
	is_long(smaps_kb(b, "Locked"), 8, "touching 2 pages locks those 2 (Locked 8 kB)");
	munlock(b, 4 * PAGE);

	is_errno(mlock2(b, PAGE, 0x8), EINVAL, "mlock2 with unknown flags: EINVAL");
	char *hole = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, PAGE);
	is_errno(mlock(hole, PAGE), ENOMEM, "mlock of an unmapped range: ENOMEM");
	is_long(syscall(SYS_mlock, a + 100, 10), 0, "an unaligned range is rounded to pages");
	munlock(a, PAGE);
	int status = run_in_child(lock_without_limit, a);
	if (is_root())
		is_long(status, 0, "root: mlock works with RLIMIT_MEMLOCK 0");
	else
		is_long(WEXITSTATUS(status), 1, "non-root: mlock with RLIMIT_MEMLOCK 0: EPERM");
	return done_testing();
}
