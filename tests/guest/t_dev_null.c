/* SPDX-License-Identifier: MIT */
/* /dev/null: empty for reads, bottomless for writes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char buf[64];
	struct stat st;
	int fd = open("/dev/null", O_RDWR);

	plan(8);
	ok(fd >= 0, "open /dev/null read-write");
	ok(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3,
	   "character device 1:3");
	is_long(read(fd, buf, sizeof(buf)), 0, "read returns 0 (EOF)");
	is_long(write(fd, buf, sizeof(buf)), sizeof(buf), "write returns the full count");
	is_long(write(fd, buf, 0), 0, "an empty write returns 0");
	is_long(lseek(fd, 100, SEEK_SET), 0, "lseek returns 0");
	ok(st.st_mode & S_IWOTH, "writable by everyone");
	is_errno((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0), ENODEV, "mmap of /dev/null: ENODEV");
	return done_testing();
}
