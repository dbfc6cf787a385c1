/* SPDX-License-Identifier: MIT */
/*
 * Private file mappings: they show the file, keep their own writes (copy on
 * write), see later file writes to pages they have not written; errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128], byte;
	scratch_path(path, sizeof(path), "/tmp", "fpriv");
	int fd = make_file(path, 3 * PAGE, 3);
	unsigned char *map = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (fd < 0 || map == MAP_FAILED)
		bail_out("setup failed");

	plan(13);
	ok(map[0] == 3 && map[PAGE + 5] == (unsigned char)(3 + PAGE + 5), "the mapping shows the file");
	map[10] = 0xee;
	ok(pread(fd, &byte, 1, 10) == 1 && byte == 13, "a write to it does not reach the file");
	pwrite(fd, "N", 1, 2 * PAGE + 7);
	is_long(map[2 * PAGE + 7], 'N', "a later file write shows in a page not written privately");
	pwrite(fd, "M", 1, 10);
	is_long(map[10], 0xee, "but not in a page written privately (own copy)");

	unsigned char *off = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
	ok(off != MAP_FAILED && off[0] == (unsigned char)(3 + PAGE), "offset PAGE maps the second page");
	is_errno((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL, "unaligned offset: EINVAL");
	int rdonly = open(path, O_RDONLY), wronly = open(path, O_WRONLY);
	is_success((long)mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, rdonly, 0),
		   "writable MAP_PRIVATE of an O_RDONLY fd works");
	is_errno((long)mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rdonly, 0), EACCES,
		 "writable MAP_SHARED of an O_RDONLY fd: EACCES");
	is_errno((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, wronly, 0), EACCES, "mapping an O_WRONLY fd: EACCES");
	is_errno((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 999, 0), EBADF, "bad fd: EBADF");
	is_errno((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, open("/tmp", O_RDONLY), 0), ENODEV,
		 "a directory: ENODEV");

	/* The mapping keeps the file alive. */
	close(fd);
	close(rdonly);
	close(wronly);
	unlink(path);
	is_long(map[2 * PAGE + 7], 'N', "after close and unlink the mapping still reads the file");
	ok(probe_access(map + PAGE, 1, NULL) == 0, "and can still be written");
	return done_testing();
}
