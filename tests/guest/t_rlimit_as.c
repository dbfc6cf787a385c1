/* SPDX-License-Identifier: MIT */
/*
 * RLIMIT_AS bounds the address space, for root too: mmap, brk and mremap
 * beyond it fail with ENOMEM; RLIMIT_NOFILE bounds descriptors (EMFILE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	struct rlimit limit;
	const int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;

	plan(10);
	is_long(getrlimit(RLIMIT_AS, &limit), 0, "getrlimit(RLIMIT_AS)");
	/* Room for 2 MiB more than we use now. */
	unsigned long size = (unsigned long)status_kb("VmSize") * 1024;
	limit.rlim_cur = size + (2 << 20);
	is_long(setrlimit(RLIMIT_AS, &limit), 0, "lower the soft limit to VmSize + 2 MiB");
	char *fits = mmap(NULL, 1 << 20, rw, anon, -1, 0);
	ok(fits != MAP_FAILED, "a 1 MiB mapping fits");
	is_errno((long)mmap(NULL, 4 << 20, rw, anon, -1, 0), ENOMEM, "a 4 MiB mapping does not: ENOMEM");
	is_errno((long)mremap(fits, 1 << 20, 4 << 20, MREMAP_MAYMOVE), ENOMEM, "nor growing by mremap: ENOMEM");
	unsigned long brk0 = sys_brk(0);
	is_hex(sys_brk(brk0 + (4 << 20)), brk0, "nor growing brk by 4 MiB (break unchanged)");
	munmap(fits, 1 << 20);
	ok(mmap(NULL, 2 << 20, rw, anon, -1, 0) != MAP_FAILED, "after munmap, 2 MiB fits again");
	limit.rlim_cur = limit.rlim_max;
	setrlimit(RLIMIT_AS, &limit);

	struct rlimit files = {8, 8};
	getrlimit(RLIMIT_NOFILE, &limit);
	files.rlim_max = limit.rlim_max;
	is_long(setrlimit(RLIMIT_NOFILE, &files), 0, "RLIMIT_NOFILE 8");
	int last = -1;
	for (int i = 0; i < 8; i++) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			break;
		last = fd;
	}
	is_long(last, 7, "descriptors up to 7 open");
	is_errno(open("/dev/null", O_RDONLY), EMFILE, "the next open: EMFILE");
	return done_testing();
}
