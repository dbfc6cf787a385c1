/* SPDX-License-Identifier: MIT */
/* lseek: SEEK_SET/CUR/END, seeking past EOF, and the errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128], byte;
	scratch_path(path, sizeof(path), "/tmp", "lseek");
	int fd = make_file(path, 300, 0);
	if (fd < 0)
		bail_out("cannot create %s", path);

	plan(10);
	is_long(lseek(fd, 10, SEEK_SET), 10, "SEEK_SET 10");
	is_long(lseek(fd, 5, SEEK_CUR), 15, "SEEK_CUR +5");
	is_long(lseek(fd, -3, SEEK_CUR), 12, "SEEK_CUR -3");
	is_long(read(fd, &byte, 1), 1, "read one byte there");
	is_long((unsigned char)byte, 12, "it is byte 12");
	is_long(lseek(fd, -1, SEEK_END), 299, "SEEK_END -1");
	is_long(lseek(fd, 1000, SEEK_END), 1300, "seek beyond EOF is allowed");
	is_errno(lseek(fd, -1, SEEK_SET), EINVAL, "negative result: EINVAL");
	is_errno(lseek(fd, 0, 77), EINVAL, "unknown whence: EINVAL");
	is_errno(lseek(999, 0, SEEK_SET), EBADF, "bad fd: EBADF");
	close(fd);
	unlink(path);
	return done_testing();
}
