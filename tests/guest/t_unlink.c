/* SPDX-License-Identifier: MIT */
/* unlink: the name goes, open descriptors keep the data; errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128], dir[128], buf[4];
	struct stat st;
	scratch_path(path, sizeof(path), "/tmp", "unlink");
	scratch_path(dir, sizeof(dir), "/tmp", "unlinkdir");
	int fd = make_file(path, 100, 7);

	plan(9);
	is_long(unlink(path), 0, "unlink");
	is_errno(stat(path, &st), ENOENT, "the name is gone");
	is_errno(open(path, O_RDONLY), ENOENT, "open by the old name: ENOENT");
	ok(pread(fd, buf, 4, 0) == 4 && buf[0] == 7, "the open fd still reads the data");
	fstat(fd, &st);
	is_long(st.st_nlink, 0, "its link count is 0");
	close(fd);
	is_errno(unlink(path), ENOENT, "unlink again: ENOENT");
	mkdir(dir, 0700);
	is_errno(unlink(dir), EISDIR, "unlink a directory: EISDIR");
	is_errno(unlink(unmapped_ptr()), EFAULT, "unmapped path: EFAULT");
	is_long(rmdir(dir), 0, "rmdir removes it");
	return done_testing();
}
