/* SPDX-License-Identifier: MIT */
/* read/write: round trip, offsets, EOF, O_APPEND, and the errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128], buf[64];
	scratch_path(path, sizeof(path), "/tmp", "rw");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		bail_out("cannot create %s", path);

	plan(15);
	is_long(write(fd, "hello, world", 12), 12, "write 12 bytes");
	is_long(write(fd, "", 0), 0, "write of 0 bytes returns 0");
	is_long(lseek(fd, 0, SEEK_CUR), 12, "the offset advanced by 12");
	lseek(fd, 0, SEEK_SET);
	memset(buf, 0, sizeof(buf));
	is_long(read(fd, buf, 5), 5, "read 5 bytes");
	is_str(buf, "hello", "they are the first 5 written");
	is_long(read(fd, buf, sizeof(buf)), 7, "a larger read stops at EOF (7 left)");
	is_long(read(fd, buf, sizeof(buf)), 0, "read at EOF returns 0");

	int app = open(path, O_WRONLY | O_APPEND);
	lseek(app, 0, SEEK_SET);
	write(app, "!", 1);
	is_long(lseek(fd, 0, SEEK_END), 13, "O_APPEND writes at the end whatever the offset");
	close(app);

	is_errno(write(fd, unmapped_ptr(), 4), EFAULT, "write from unmapped memory: EFAULT");
	lseek(fd, 0, SEEK_SET);
	is_errno(read(fd, unmapped_ptr(), 4), EFAULT, "read into unmapped memory: EFAULT");
	is_errno(syscall(SYS_read, fd, kernel_ptr(), 4), EFAULT, "read into a kernel address: EFAULT");
	is_errno(read(12345, buf, 1), EBADF, "read from a descriptor never opened: EBADF");
	is_errno(write(-1, buf, 1), EBADF, "write to fd -1: EBADF");
	close(fd);
	is_errno(read(fd, buf, 1), EBADF, "read from a closed fd: EBADF");
	is_errno(read(open("/tmp", O_RDONLY), buf, 1), EISDIR, "read from a directory: EISDIR");
	unlink(path);
	return done_testing();
}
