/* SPDX-License-Identifier: MIT */
/* /tmp and /dev/shm are writable directories for files of any user. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"

/* Creates, writes, reads back and removes a file in dir (3 checks). */
static void check_dir(const char *dir)
{
	char path[128], buf[32];
	struct stat st;
	ok(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 01777) == 01777,
	   "%s is a world-writable sticky directory", dir);
	scratch_path(path, sizeof(path), dir, "file");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && write(fd, "in the dir", 10) == 10 && pread(fd, buf, 10, 0) == 10 &&
		   !memcmp(buf, "in the dir", 10),
	   "a file in %s can be written and read", dir);
	close(fd);
	ok(unlink(path) == 0, "and removed");
}

int main(void)
{
	plan(6);
	check_dir("/tmp");
	check_dir("/dev/shm");
	return done_testing();
}
