/* SPDX-License-Identifier: MIT */
/* mincore: page residency of anonymous and file memory; errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128];
	unsigned char vec[8];
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(p, 4 * PAGE, MADV_NOHUGEPAGE);
	scratch_path(path, sizeof(path), "/tmp", "mincore");
	int fd = make_file(path, 2 * PAGE, 0);
	char *file = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);

	plan(10);
	is_long(mincore(p, 4 * PAGE, vec), 0, "mincore on fresh memory");
	ok(!(vec[0] & 1) && !(vec[1] & 1) && !(vec[2] & 1) && !(vec[3] & 1), "no page resident");
	p[PAGE] = 1;
	mincore(p, 4 * PAGE, vec);
	ok(!(vec[0] & 1) && (vec[1] & 1) && !(vec[2] & 1), "after writing page 1: only page 1 resident");
	is_long(resident_pages(file, 2 * PAGE), 2, "file pages just written are in the page cache");
	is_long(mincore(p, 100, vec), 0, "a length inside one page is rounded up");
	is_errno(mincore(p + 1, PAGE, vec), EINVAL, "unaligned address: EINVAL");
	char *hole = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, PAGE);
	is_errno(mincore(hole, PAGE, vec), ENOMEM, "unmapped range: ENOMEM");
	is_errno(mincore(p, 4 * PAGE, unmapped_ptr()), EFAULT, "unmapped vector: EFAULT");
	char *none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(mincore(none, PAGE, vec) == 0 && !(vec[0] & 1), "PROT_NONE memory: allowed, not resident");
	is_long(mincore(p, 0, vec), 0, "length 0 succeeds");
	close(fd);
	unlink(path);
	return done_testing();
}
