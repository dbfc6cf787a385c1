/* SPDX-License-Identifier: MIT */
/* MADV_POPULATE_READ / MADV_POPULATE_WRITE (Linux 5.14): prefault page tables. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/mman.h>

#include "suite.h"

int main(void)
{
	char path[128];
	char *rd = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* Isolated: merged with rd, its count would include rd's pages
	 * (zero-page mappings under Linux, not anonymous ones; own pages on a
	 * kernel without the zero page). */
	char *wr = map_isolated(8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	scratch_path(path, sizeof(path), "/tmp", "populate");
	int fd = make_file(path, PAGE, 0);
	char *file = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	madvise(rd, 8 * PAGE, MADV_NOHUGEPAGE);
	madvise(wr, 8 * PAGE, MADV_NOHUGEPAGE);

	plan(8);
	if (madvise(rd, PAGE, MADV_POPULATE_READ) && errno == EINVAL) {
		skip(8, "kernel before 5.14 has no MADV_POPULATE_*");
		return done_testing();
	}
	is_long(madvise(rd, 8 * PAGE, MADV_POPULATE_READ), 0, "MADV_POPULATE_READ on 8 pages");
	is_long(resident_pages(rd, 8 * PAGE), 8, "all 8 resident (mincore)");
	is_long(madvise(wr, 8 * PAGE, MADV_POPULATE_WRITE), 0, "MADV_POPULATE_WRITE on 8 pages");
	is_long(smaps_kb(wr, "Anonymous"), 32, "32 kB of private anonymous pages allocated");
	is_errno(madvise(ro, PAGE, MADV_POPULATE_WRITE), EINVAL, "POPULATE_WRITE on a read-only mapping: EINVAL");
	is_errno(madvise(file, 2 * PAGE, MADV_POPULATE_READ), EFAULT,
		 "POPULATE_READ over a page beyond EOF (would SIGBUS): EFAULT");
	char *hole = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, PAGE);
	is_errno(madvise(hole, PAGE, MADV_POPULATE_READ), ENOMEM, "an unmapped range: ENOMEM");
	is_long(rd[5 * PAGE] + wr[5 * PAGE], 0, "populated pages read zero");
	close(fd);
	unlink(path);
	return done_testing();
}
