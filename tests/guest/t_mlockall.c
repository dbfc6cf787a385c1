/* SPDX-License-Identifier: MIT */
/* mlockall (MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT) and munlockall. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "suite.h"

static char *new_mapping(void)
{
	return mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
	struct rlimit limit;
	char *old = new_mapping();

	plan(14);
	is_errno(mlockall(0), EINVAL, "mlockall(0): EINVAL");
	is_errno(mlockall(MCL_ONFAULT), EINVAL, "MCL_ONFAULT alone: EINVAL");
	is_errno(mlockall(MCL_CURRENT | 0x100), EINVAL, "unknown flags: EINVAL");

	/* Locking everything needs a memlock limit above our size, or root. */
	getrlimit(RLIMIT_MEMLOCK, &limit);
	if (!is_root() && limit.rlim_cur != RLIM_INFINITY &&
	    limit.rlim_cur < (rlim_t)status_kb("VmSize") * 1024 + (1 << 20)) {
		skip(11, "RLIMIT_MEMLOCK %lu is too small to lock this process", (unsigned long)limit.rlim_cur);
		return done_testing();
	}
	is_long(mlockall(MCL_CURRENT), 0, "mlockall(MCL_CURRENT)");
	ok(smaps_has_flag(old, "lo") && resident_pages(old, 4 * PAGE) == 4, "an existing mapping is locked and resident");
	long locked = status_kb("VmLck");
	ok(locked > 0 && locked <= status_kb("VmSize"), "0 < VmLck <= VmSize (%ld kB)", locked);
	char *later = new_mapping();
	ok(!smaps_has_flag(later, "lo") && resident_pages(later, 4 * PAGE) == 0,
	   "without MCL_FUTURE a new mapping is not locked");
	is_long(munlockall(), 0, "munlockall");
	ok(status_kb("VmLck") == 0 && !smaps_has_flag(old, "lo"), "VmLck 0, nothing locked");

	is_long(mlockall(MCL_CURRENT | MCL_FUTURE), 0, "mlockall(MCL_CURRENT | MCL_FUTURE)");
	char *future = new_mapping();
	ok(smaps_has_flag(future, "lo") && resident_pages(future, 4 * PAGE) == 4,
	   "a new mapping is locked and populated");
	munlockall();

	is_long(mlockall(MCL_FUTURE | MCL_ONFAULT), 0, "mlockall(MCL_FUTURE | MCL_ONFAULT)");
	char *onfault = new_mapping();
	ok(smaps_has_flag(onfault, "lo") && resident_pages(onfault, 4 * PAGE) == 0,
	   "a new mapping is locked but not populated");
	onfault[PAGE] = 1;
	is_long(smaps_kb(onfault, "Locked"), 4, "a touched page is locked");
	munlockall();
	return done_testing();
}
