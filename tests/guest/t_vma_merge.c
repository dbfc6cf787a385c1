/* SPDX-License-Identifier: MIT */
/* Adjacent compatible mappings merge into one VMA (seen in maps); others do not. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

static void *map_fixed(void *at, int prot, int flags, int fd, off_t off)
{
	return mmap(at, PAGE, prot, flags | MAP_FIXED, fd, off);
}

int main(void)
{
	char path[128];
	const int rw = PROT_READ | PROT_WRITE;
	/* A reserved area (guarded, so nothing outside merges in). */
	char *area = map_isolated(8 * PAGE, PROT_READ, MAP_PRIVATE);
	scratch_path(path, sizeof(path), "/tmp", "merge");
	int fd = make_file(path, 8 * PAGE, 0);
	if (!area || fd < 0)
		bail_out("setup failed");
	munmap(area, 8 * PAGE); /* keep the guards, free the inside */

	plan(7);
	map_fixed(area, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	map_fixed(area + PAGE, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	is_long(maps_count(area, 2 * PAGE), 1, "two adjacent anonymous rw mappings merge");
	map_fixed(area + 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	is_long(maps_count(area, 3 * PAGE), 2, "a read-only neighbour stays separate");
	mprotect(area + 2 * PAGE, PAGE, rw);
	is_long(maps_count(area, 3 * PAGE), 1, "mprotect to the same rights merges it");
	map_fixed(area + 3 * PAGE, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	is_long(maps_count(area, 4 * PAGE), 2, "a shared neighbour stays separate");

	map_fixed(area + 5 * PAGE, PROT_READ, MAP_SHARED, fd, 2 * PAGE);
	map_fixed(area + 6 * PAGE, PROT_READ, MAP_SHARED, fd, 3 * PAGE);
	is_long(maps_count(area + 5 * PAGE, 2 * PAGE), 1, "file mappings with consecutive offsets merge");
	map_fixed(area + 7 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	is_long(maps_count(area + 5 * PAGE, 3 * PAGE), 2, "a non-consecutive offset stays separate");
	munmap(area + PAGE, PAGE);
	is_long(maps_count(area, 3 * PAGE), 2, "unmapping a page in the middle splits again");
	close(fd);
	unlink(path);
	return done_testing();
}
