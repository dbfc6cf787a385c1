/* SPDX-License-Identifier: MIT */
/*
 * mremap of shared mappings: a moved MAP_SHARED anonymous mapping is still
 * shared with a child, and growing it does not grow the object behind it
 * (SIGBUS there); a grown file mapping shows more of the file.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128];
	volatile int *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		bail_out("mmap failed");

	plan(7);
	pid_t pid = fork();
	if (pid == 0) {
		/* Wait for the parent's moved copy to announce itself, then answer. */
		if (!wait_for_word(&shared[0], 1, 5000))
			_exit(1);
		shared[1] = 2;
		_exit(0);
	}
	volatile int *moved = mremap((void *)shared, PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	ok(moved != MAP_FAILED, "grow the shared mapping with MREMAP_MAYMOVE");
	moved[0] = 1;
	ok(wait_for_word(&moved[1], 2, 5000), "the child (old address) and parent (new) still share the page");
	is_long(wait_status(pid), 0, "the child saw the parent's write");
	/* The shmem object behind it is still one page long. */
	is_long(probe_access((char *)moved + 2 * PAGE, 1, NULL), SIGBUS,
		"the grown part lies beyond the shared memory object: SIGBUS");

	scratch_path(path, sizeof(path), "/tmp", "mremapfile");
	int fd = make_file(path, 4 * PAGE, 0);
	char *file = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *bigger = mremap(file, PAGE, 3 * PAGE, MREMAP_MAYMOVE);
	ok(bigger != MAP_FAILED && bigger[2 * PAGE + 1] == (char)(2 * PAGE + 1),
	   "a grown file mapping shows the following file pages");
	bigger[2 * PAGE] = 'W';
	char byte = 0;
	pread(fd, &byte, 1, 2 * PAGE);
	is_long(byte, 'W', "and writes through them reach the file");
	struct vma vma;
	ok(maps_find(bigger, &vma) && vma.offset == 0 && vma.end - vma.start == 3 * PAGE,
	   "maps: offset 0, 3 pages");
	close(fd);
	unlink(path);
	return done_testing();
}
