/* SPDX-License-Identifier: MIT */
/*
 * mprotect: changing the middle of a mapping splits it and changing it back
 * merges it (seen in maps); rights removed fault with SEGV_ACCERR; errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	struct vma vma;
	siginfo_t info;
	char path[128];
	char *p = map_isolated(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		bail_out("mmap failed");
	memset(p, 'm', 3 * PAGE);

	plan(14);
	is_long(mprotect(p + PAGE, PAGE, PROT_READ), 0, "mprotect the middle page read-only");
	is_long(maps_count(p, 3 * PAGE), 3, "the VMA is split in three");
	ok(maps_find(p + PAGE, &vma) && !strcmp(vma.perms, "r--p") && vma.start == (unsigned long)(p + PAGE) &&
		   vma.end == (unsigned long)(p + 2 * PAGE),
	   "the middle one is r--p and one page");
	ok(probe_access(p + PAGE + 3, 1, &info) == SIGSEGV && info.si_code == SEGV_ACCERR &&
		   info.si_addr == p + PAGE + 3,
	   "writing it: SIGSEGV, SEGV_ACCERR at the byte");
	is_long(p[PAGE + 3], 'm', "reading it works, data intact");
	is_long(mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE), 0, "make it writable again");
	is_long(maps_count(p, 3 * PAGE), 1, "the three VMAs merge back into one");
	is_long(mprotect(p, 3 * PAGE, PROT_READ | PROT_EXEC), 0, "PROT_EXEC on anonymous memory");
	ok(maps_find(p, &vma) && !strcmp(vma.perms, "r-xp"), "maps shows r-xp");
	mprotect(p, 3 * PAGE, PROT_NONE);
	ok(probe_access(p, 0, &info) == SIGSEGV && info.si_code == SEGV_ACCERR, "PROT_NONE: reads fault, ACCERR");

	/* Raw calls: musl's mprotect() rounds the address to a page. */
	is_errno(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL, "unaligned address: EINVAL");
	is_errno(syscall(SYS_mprotect, p, PAGE, 0x100), EINVAL, "unknown protection bits: EINVAL");
	char *holed = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(holed + PAGE, PAGE);
	is_errno(syscall(SYS_mprotect, holed, 2 * PAGE, PROT_READ), ENOMEM, "range with an unmapped part: ENOMEM");
	scratch_path(path, sizeof(path), "/tmp", "mprotect");
	int fd = make_file(path, PAGE, 0);
	close(fd);
	fd = open(path, O_RDONLY);
	char *file = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	is_errno(mprotect(file, PAGE, PROT_READ | PROT_WRITE), EACCES,
		 "PROT_WRITE on a shared mapping of an O_RDONLY file: EACCES");
	unlink(path);
	return done_testing();
}
