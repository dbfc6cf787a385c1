/* SPDX-License-Identifier: MIT */
/* MAP_POPULATE: pages present before any access (mincore, smaps Rss). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128];
	const int rw = PROT_READ | PROT_WRITE;
	scratch_path(path, sizeof(path), "/tmp", "populate");
	int fd = make_file(path, 4 * PAGE, 0);
	char *lazy = mmap(NULL, 8 * PAGE, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *eager = mmap(NULL, 8 * PAGE, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	char *file_lazy = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	char *file_eager = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);

	plan(6);
	is_long(resident_pages(lazy, 8 * PAGE), 0, "anonymous without MAP_POPULATE: nothing resident");
	is_long(resident_pages(eager, 8 * PAGE), 8, "with MAP_POPULATE: all 8 pages resident");
	is_long(smaps_kb(eager, "Rss"), 32, "smaps Rss 32 kB");
	is_long(smaps_kb(file_lazy, "Rss"), 0, "file mapping without MAP_POPULATE: Rss 0");
	is_long(smaps_kb(file_eager, "Rss"), 16, "file mapping with MAP_POPULATE: Rss 16 kB");
	is_long(file_eager[PAGE], (char)PAGE, "and shows the file");
	close(fd);
	unlink(path);
	return done_testing();
}
