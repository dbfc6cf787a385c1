/* SPDX-License-Identifier: MIT */
/* stat/fstat/lstat: type, size, mode, link count, identity, and errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128];
	struct stat st, st2;
	scratch_path(path, sizeof(path), "/tmp", "stat");
	umask(022);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0666);
	write(fd, "0123456789", 10);

	plan(14);
	is_long(fstat(fd, &st), 0, "fstat");
	ok(S_ISREG(st.st_mode), "a regular file");
	is_long(st.st_size, 10, "size 10");
	is_long(st.st_mode & 07777, 0644, "mode 0666 less umask 022");
	is_long(st.st_nlink, 1, "one link");
	ok(st.st_blksize > 0, "st_blksize > 0");
	is_long(stat(path, &st2), 0, "stat by path");
	ok(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev, "same device and inode as fstat");
	is_long(stat("/tmp", &st), 0, "stat /tmp");
	ok(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX), "/tmp is a sticky directory");
	is_errno(stat("/tmp/umbra-nothing-here", &st), ENOENT, "missing file: ENOENT");
	is_errno(stat(unmapped_ptr(), &st), EFAULT, "unmapped path: EFAULT");
	is_errno(syscall(SYS_fstat, fd, unmapped_ptr()), EFAULT, "unmapped stat buffer: EFAULT");
	is_errno(fstat(-5, &st), EBADF, "bad fd: EBADF");
	close(fd);
	unlink(path);
	return done_testing();
}
