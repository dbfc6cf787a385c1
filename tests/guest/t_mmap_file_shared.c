/* SPDX-License-Identifier: MIT */
/*
 * Shared file mappings in /tmp and /dev/shm: coherent with read/write, with
 * each other, and across processes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

/* 4 checks on a file in dir. */
static void check_in(const char *dir)
{
	char path[128], buf[8];
	scratch_path(path, sizeof(path), dir, "fshared");
	int fd = make_file(path, 2 * PAGE, 0);
	char *a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *b = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		bail_out("mmap in %s failed", dir);
	memcpy(a + 100, "via map", 7);
	ok(pread(fd, buf, 7, 100) == 7 && !memcmp(buf, "via map", 7), "%s: mapping write seen by read", dir);
	pwrite(fd, "via fd", 6, PAGE + 1);
	ok(!memcmp(a + PAGE + 1, "via fd", 6), "%s: write() seen in the mapping", dir);
	a[5] = 'Q';
	is_long(b[5], 'Q', "%s: two mappings of the file alias", dir);

	/* A child maps the file on its own and writes; the parent sees it. */
	if (fork() == 0) {
		int cfd = open(path, O_RDWR);
		char *c = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		if (c != MAP_FAILED)
			memcpy(c + 200, "child", 5);
		_exit(c == MAP_FAILED);
	}
	int status = wait_status(-1);
	ok(status == 0 && !memcmp(a + 200, "child", 5), "%s: a child's own mapping writes to ours", dir);
	munmap(a, 2 * PAGE);
	munmap(b, 2 * PAGE);
	close(fd);
	unlink(path);
}

int main(void)
{
	plan(8);
	check_in("/tmp");
	check_in("/dev/shm");
	return done_testing();
}
