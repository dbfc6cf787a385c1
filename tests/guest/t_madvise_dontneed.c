/* SPDX-License-Identifier: MIT */
/*
 * MADV_DONTNEED: private anonymous memory reads zero afterwards, shared
 * memory keeps its data, a private file mapping falls back to the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128];
	char *priv = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *shared = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	scratch_path(path, sizeof(path), "/tmp", "dontneed");
	int fd = make_file(path, 2 * PAGE, 0x40);
	char *file = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	madvise(priv, 4 * PAGE, MADV_NOHUGEPAGE);
	memset(priv, 'p', 4 * PAGE);
	memset(shared, 's', 2 * PAGE);
	memset(file, 'f', 2 * PAGE);

	plan(9);
	is_long(resident_pages(priv, 4 * PAGE), 4, "4 private pages resident after writing");
	is_long(madvise(priv + PAGE, 2 * PAGE, MADV_DONTNEED), 0, "MADV_DONTNEED on the middle 2 pages");
	is_long(resident_pages(priv, 4 * PAGE), 2, "those 2 are no longer resident");
	ok(priv[PAGE] == 0 && priv[3 * PAGE - 1] == 0, "they read zero");
	ok(priv[0] == 'p' && priv[3 * PAGE] == 'p', "the others keep their data");
	is_long(madvise(shared, 2 * PAGE, MADV_DONTNEED), 0, "MADV_DONTNEED on shared memory");
	ok(shared[0] == 's' && shared[2 * PAGE - 1] == 's', "shared memory keeps its data");
	madvise(file, 2 * PAGE, MADV_DONTNEED);
	ok(file[0] == 0x40 && file[PAGE + 1] == (char)(0x40 + PAGE + 1), "a private file mapping shows the file again");
	is_errno(madvise(priv + 1, PAGE, MADV_DONTNEED), EINVAL, "unaligned address: EINVAL");
	close(fd);
	unlink(path);
	return done_testing();
}
