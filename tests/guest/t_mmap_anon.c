/* SPDX-License-Identifier: MIT */
/* mmap of anonymous memory: zero-filled, aligned, private; argument errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

static long map(size_t len, int prot, int flags, int fd, off_t off)
{
	return (long)mmap(NULL, len, prot, flags, fd, off);
}

int main(void)
{
	const int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	char *a = mmap(NULL, 4 * PAGE, rw, anon, -1, 0);
	char *b = mmap(NULL, 4 * PAGE, rw, anon, -1, 0);

	plan(14);
	ok(a != MAP_FAILED && b != MAP_FAILED, "two private anonymous mappings");
	ok((unsigned long)a % PAGE == 0 && (unsigned long)b % PAGE == 0, "page-aligned");
	ok(a + 4 * PAGE <= b || b + 4 * PAGE <= a, "not overlapping");
	char zero[PAGE] = {0};
	ok(!memcmp(a, zero, PAGE) && !memcmp(a + 3 * PAGE, zero, PAGE), "zero-filled");
	memset(a, 0xab, 4 * PAGE);
	ok((unsigned char)a[4 * PAGE - 1] == 0xab && b[0] == 0, "writable; the other mapping untouched");
	char *one = mmap(NULL, 100, rw, anon, -1, 0);
	ok(one != MAP_FAILED && maps_count(one, 1) == 1 && smaps_kb(one, "Size") >= 4,
	   "a 100-byte request maps a whole page");
	char *none = mmap(NULL, PAGE, PROT_NONE, anon, -1, 0);
	is_long(probe_access(none, 0, NULL), SIGSEGV, "PROT_NONE memory faults");

	is_errno(map(0, rw, anon, -1, 0), EINVAL, "length 0: EINVAL");
	is_errno(map(PAGE, rw, MAP_ANONYMOUS, -1, 0), EINVAL, "neither MAP_SHARED nor MAP_PRIVATE: EINVAL");
	is_errno(map(PAGE, rw, anon, -1, 100), EINVAL, "unaligned offset: EINVAL");
	is_errno(map(1UL << 60, rw, anon, -1, 0), ENOMEM, "2^60 bytes: ENOMEM");
	is_errno(map(-PAGE, rw, anon, -1, 0), ENOMEM, "a length that overflows when rounded: ENOMEM");
	is_errno(map(PAGE, rw, MAP_PRIVATE, -1, 0), EBADF, "file mapping with fd -1: EBADF");
	/* MAP_SYNC is for DAX files only; a memfd is not one. */
	int memfd = memfd_create("validate", 0);
	ftruncate(memfd, PAGE);
	is_errno(map(PAGE, rw, MAP_SHARED_VALIDATE | MAP_SYNC, memfd, 0), EOPNOTSUPP,
		 "MAP_SHARED_VALIDATE|MAP_SYNC on a memfd: EOPNOTSUPP");
	return done_testing();
}
