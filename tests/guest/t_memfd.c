/* SPDX-License-Identifier: MIT */
/* memfd_create: an anonymous file to write, size and map; errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char buf[16], name[300];
	struct stat st;
	struct vma vma;

	plan(12);
	int fd = memfd_create("umbra-test", MFD_CLOEXEC);
	ok(fd >= 0, "memfd_create");
	ok(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0, "a regular file of size 0");
	is_long(write(fd, "memfd data", 10), 10, "write to it");
	ok(pread(fd, buf, 10, 0) == 10 && !memcmp(buf, "memfd data", 10), "read it back");
	is_long(ftruncate(fd, 2 * PAGE), 0, "ftruncate to 2 pages");
	char *map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(map != MAP_FAILED && !memcmp(map, "memfd data", 10), "MAP_SHARED shows the data");
	map[PAGE] = 'Z';
	ok(pread(fd, buf, 1, PAGE) == 1 && buf[0] == 'Z', "a write through the mapping is in the file");
	ok(maps_find(map, &vma) && !strcmp(vma.path, "/memfd:umbra-test (deleted)"),
	   "/proc/self/maps names it '/memfd:umbra-test (deleted)' ('%s')", vma.path);
	ok(!strcmp(vma.perms, "rw-s") && vma.inode == st.st_ino, "rw-s with the file's inode");

	is_errno(memfd_create("bad-flags", 0x100000), EINVAL, "unknown flags: EINVAL");
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	is_errno(memfd_create(name, 0), EINVAL, "name longer than 249 bytes: EINVAL");
	is_errno(memfd_create(unmapped_ptr(), 0), EFAULT, "unmapped name: EFAULT");
	return done_testing();
}
