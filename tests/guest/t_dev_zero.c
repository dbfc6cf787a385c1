/* SPDX-License-Identifier: MIT */
/* /dev/zero: reads zeros, swallows writes, maps as zero-filled memory. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char buf[3000];
	struct stat st;
	int fd = open("/dev/zero", O_RDWR);

	plan(10);
	ok(fd >= 0, "open /dev/zero read-write");
	ok(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "it is a character device");
	ok(major(st.st_rdev) == 1 && minor(st.st_rdev) == 5, "device 1:5");
	memset(buf, 0x55, sizeof(buf));
	is_long(read(fd, buf, sizeof(buf)), sizeof(buf), "a read is always full");
	ok(buf[0] == 0 && buf[sizeof(buf) - 1] == 0 && !memcmp(buf, buf + 1, sizeof(buf) - 1),
	   "all zeros");
	is_long(write(fd, buf, 100), 100, "writes are accepted");

	char *priv = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ok(priv != MAP_FAILED && priv[0] == 0 && priv[4 * PAGE - 1] == 0, "MAP_PRIVATE of /dev/zero reads zeros");
	priv[PAGE] = 9;
	is_long(priv[PAGE], 9, "and is writable memory");
	char *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(shared != MAP_FAILED, "MAP_SHARED of /dev/zero works (shared anonymous memory)");
	volatile int *word = (volatile int *)shared;
	if (fork() == 0) {
		*word = 77;
		_exit(0);
	}
	wait_status(-1);
	is_long(*word, 77, "a child's write to it is seen by the parent");
	return done_testing();
}
