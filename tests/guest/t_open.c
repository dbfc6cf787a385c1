/* SPDX-License-Identifier: MIT */
/* open/openat/close: flags, lowest free descriptor, and the errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128], dir[128], longname[PATH_MAX + 10];
	scratch_path(path, sizeof(path), "/tmp", "open");
	scratch_path(dir, sizeof(dir), "/tmp", "opendir");

	plan(18);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ok(fd >= 3, "O_CREAT|O_EXCL creates a file (fd %d)", fd);
	is_errno(open(path, O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST, "O_CREAT|O_EXCL on an existing file: EEXIST");
	is_long(close(fd), 0, "close");
	is_errno(close(fd), EBADF, "close again: EBADF");
	int a = open(path, O_RDONLY), b = open(path, O_RDONLY);
	is_long(b, a + 1, "descriptors are allocated in order");
	close(a);
	is_long(open(path, O_RDONLY), a, "the lowest free descriptor is reused");
	close(a);
	close(b);

	is_errno(open("/tmp/umbra-no/such/file", O_RDONLY), ENOENT, "missing path: ENOENT");
	is_errno(open(path, O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file: ENOTDIR");
	is_errno(open("/tmp", O_WRONLY), EISDIR, "a directory for writing: EISDIR");
	is_errno(open(unmapped_ptr(), O_RDONLY), EFAULT, "unmapped path: EFAULT");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	is_errno(open(longname, O_RDONLY), ENAMETOOLONG, "path longer than PATH_MAX: ENAMETOOLONG");

	mkdir(dir, 0700);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ok(dfd >= 0, "open a directory with O_DIRECTORY");
	int inner = openat(dfd, "inside", O_RDWR | O_CREAT, 0644);
	ok(inner >= 0, "openat relative to a directory fd creates a file there");
	close(inner);
	struct stat st;
	char inner_path[200];
	snprintf(inner_path, sizeof(inner_path), "%s/inside", dir);
	is_long(stat(inner_path, &st), 0, "the file is in that directory");
	is_errno(openat(9999, "inside", O_RDONLY), EBADF, "openat with a bad dirfd: EBADF");
	ok(openat(AT_FDCWD, path, O_RDONLY) >= 0, "openat(AT_FDCWD, absolute path)");
	int wronly = open(path, O_WRONLY);
	char byte;
	is_errno(read(wronly, &byte, 1), EBADF, "read from an O_WRONLY fd: EBADF");
	int rdonly = open(path, O_RDONLY);
	is_errno(write(rdonly, "x", 1), EBADF, "write to an O_RDONLY fd: EBADF");
	unlinkat(dfd, "inside", 0);
	rmdir(dir);
	unlink(path);
	return done_testing();
}
