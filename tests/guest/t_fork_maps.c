/* SPDX-License-Identifier: MIT */
/*
 * A child starts with the parent's address space layout: its
 * /proc/self/maps equals the parent's, line for line.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

static char parent_maps[64 << 10];

int main(void)
{
	char path[128];
	static char child_maps[64 << 10];
	char *shared = shared_page();
	scratch_path(path, sizeof(path), "/tmp", "forkmaps");
	/* A mix of mappings to copy. */
	mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	map_isolated(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int fd = make_file(path, 2 * PAGE, 0);
	mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	brk_grow(2 * PAGE);

	plan(3);
	long len = read_text("/proc/self/maps", parent_maps, sizeof(parent_maps));
	pid_t pid = fork();
	if (pid == 0) {
		long n = read_text("/proc/self/maps", child_maps, sizeof(child_maps));
		/* Report through the shared page: equal or not, and where they differ. */
		shared[0] = n == len && !memcmp(child_maps, parent_maps, (size_t)len) ? 'Y' : 'N';
		_exit(0);
	}
	is_long(wait_status(pid), 0, "the child ran");
	ok(len > 0, "parent maps read (%ld bytes)", len);
	is_long(shared[0], 'Y', "the child's /proc/self/maps equals the parent's");
	close(fd);
	unlink(path);
	return done_testing();
}
