/* SPDX-License-Identifier: MIT */
/* pread64/pwrite64: explicit offsets that leave the file offset alone. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128], buf[32];
	scratch_path(path, sizeof(path), "/tmp", "pread");
	int fd = make_file(path, 1000, 0);
	if (fd < 0)
		bail_out("cannot create %s", path);

	plan(11);
	lseek(fd, 100, SEEK_SET);
	is_long(pread(fd, buf, 4, 500), 4, "pread 4 bytes at 500");
	ok((unsigned char)buf[0] == (500 & 0xff) && (unsigned char)buf[3] == (503 & 0xff),
	   "they are the file's bytes at 500");
	is_long(lseek(fd, 0, SEEK_CUR), 100, "the file offset did not move");
	is_long(pread(fd, buf, 32, 990), 10, "pread across EOF returns what is there");
	is_long(pread(fd, buf, 32, 5000), 0, "pread past EOF returns 0");
	is_long(pwrite(fd, "XYZ", 3, 2000), 3, "pwrite past EOF extends the file");
	is_long(lseek(fd, 0, SEEK_END), 2003, "new size 2003");
	memset(buf, 1, sizeof(buf));
	is_long(pread(fd, buf, 4, 1500), 4, "pread inside the hole");
	ok(!buf[0] && !buf[1] && !buf[2] && !buf[3], "the hole reads zeros");
	is_errno(pread(fd, buf, 4, -1), EINVAL, "negative offset: EINVAL");
	is_errno(pwrite(open("/dev/null", O_RDONLY), buf, 1, 0), EBADF, "pwrite to an O_RDONLY fd: EBADF");
	close(fd);
	unlink(path);
	return done_testing();
}
