/* SPDX-License-Identifier: MIT */
/* ftruncate/truncate: growing (zeros), shrinking, and the errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128], buf[8];
	struct stat st;
	scratch_path(path, sizeof(path), "/tmp", "trunc");
	int fd = make_file(path, 100, 1);
	if (fd < 0)
		bail_out("cannot create %s", path);

	plan(11);
	is_long(ftruncate(fd, 5000), 0, "grow to 5000");
	fstat(fd, &st);
	is_long(st.st_size, 5000, "fstat size 5000");
	ok(pread(fd, buf, 8, 4000) == 8 && !buf[0] && !buf[7], "the new part reads zeros");
	ok(pread(fd, buf, 1, 99) == 1 && buf[0] == (char)100, "the old data is intact");
	is_long(ftruncate(fd, 10), 0, "shrink to 10");
	is_long(pread(fd, buf, 8, 50), 0, "nothing past the new end");
	is_long(truncate(path, 20), 0, "truncate by path to 20");
	fstat(fd, &st);
	is_long(st.st_size, 20, "size 20");
	is_errno(ftruncate(fd, -1), EINVAL, "negative length: EINVAL");
	int rdonly = open(path, O_RDONLY);
	is_errno(ftruncate(rdonly, 0), EINVAL, "fd not open for writing: EINVAL");
	is_errno(ftruncate(4321, 0), EBADF, "bad fd: EBADF");
	close(fd);
	unlink(path);
	return done_testing();
}
