/* SPDX-License-Identifier: MIT */
/*
 * Other madvise advice: FREE, WILLNEED, COLD, NORMAL/RANDOM/SEQUENTIAL
 * succeed and keep data where they must; errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128];
	char *priv = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	scratch_path(path, sizeof(path), "/tmp", "madvise");
	int fd = make_file(path, 4 * PAGE, 0);
	char *file = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	memset(priv, 'p', 4 * PAGE);

	plan(13);
	is_long(madvise(priv, 4 * PAGE, MADV_FREE), 0, "MADV_FREE on private anonymous memory");
	char first = priv[0];
	ok(first == 'p' || first == 0, "freed memory reads its data or zero");
	priv[0] = 'n';
	is_long(priv[0], 'n', "a write after MADV_FREE sticks");
	is_errno(madvise(shared, PAGE, MADV_FREE), EINVAL, "MADV_FREE on shared memory: EINVAL");
	is_long(madvise(file, 4 * PAGE, MADV_WILLNEED), 0, "MADV_WILLNEED on a file mapping");
	is_long(file[PAGE], (char)PAGE, "which reads the file");
	is_long(madvise(priv, 4 * PAGE, MADV_COLD), 0, "MADV_COLD");
	is_long(priv[0], 'n', "data intact after MADV_COLD");
	ok(madvise(file, 4 * PAGE, MADV_RANDOM) == 0 && madvise(file, 4 * PAGE, MADV_SEQUENTIAL) == 0 &&
		   madvise(file, 4 * PAGE, MADV_NORMAL) == 0,
	   "MADV_RANDOM, MADV_SEQUENTIAL, MADV_NORMAL");
	is_errno(madvise(priv, PAGE, 999), EINVAL, "unknown advice: EINVAL");
	char *hole = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, PAGE);
	is_errno(madvise(hole, PAGE, MADV_WILLNEED), ENOMEM, "an unmapped range: ENOMEM");
	is_errno(madvise(hole, PAGE, MADV_NORMAL), ENOMEM, "MADV_NORMAL on an unmapped range: ENOMEM");
	is_long(madvise(priv, 0, MADV_DONTNEED), 0, "length 0 succeeds");
	close(fd);
	unlink(path);
	return done_testing();
}
