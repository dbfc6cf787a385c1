/* SPDX-License-Identifier: MIT */
/*
 * munmap: splitting a VMA (seen in maps), holes fault, and the errors; a
 * page unmapped out of a 2M-aligned MADV_HUGEPAGE range (a huge page
 * where THP is on, split by the munmap) is gone and its neighbours keep
 * their data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "suite.h"

#define HUGE (2UL << 20)

/* 3 checks. */
static void check_huge_partial_unmap(void)
{
	char *raw = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		bail_out("mmap failed");
	char *h = (char *)(((unsigned long)raw + HUGE - 1) & ~(HUGE - 1));
	madvise(h, HUGE, MADV_HUGEPAGE); /* EINVAL where THP is off: 4K pages then */
	for (unsigned long i = 0; i < HUGE / PAGE; i++)
		h[i * PAGE] = (char)(i + 1);
	char *hole = h + 100 * PAGE;
	munmap(hole, PAGE);
	siginfo_t info;
	ok(probe_access(hole, 0, &info) == SIGSEGV && info.si_code == SEGV_MAPERR,
	   "a page unmapped from a written MADV_HUGEPAGE range faults (MAPERR)");
	bool intact = true;
	for (unsigned long i = 0; i < HUGE / PAGE; i++)
		if (i != 100 && h[i * PAGE] != (char)(i + 1))
			intact = false;
	ok(intact, "the other 511 pages keep their data");
	char *again = mmap(hole, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ok(again == hole && hole[0] == 0, "a new mapping in the hole reads zero, not the old data");
	munmap(raw, 2 * HUGE);
}

int main(void)
{
	struct vma left, right;
	siginfo_t info;
	char *p = map_isolated(5 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		bail_out("mmap failed");
	memset(p, 'd', 5 * PAGE);

	plan(16);
	is_long(maps_count(p, 5 * PAGE), 1, "one VMA to start with");
	is_long(munmap(p + 2 * PAGE, PAGE), 0, "munmap the middle page");
	is_long(maps_count(p, 5 * PAGE), 2, "the VMA is split in two");
	ok(maps_find(p, &left) && left.start == (unsigned long)p && left.end == (unsigned long)(p + 2 * PAGE),
	   "left part: 2 pages");
	ok(maps_find(p + 3 * PAGE, &right) && right.start == (unsigned long)(p + 3 * PAGE) &&
		   right.end == (unsigned long)(p + 5 * PAGE),
	   "right part: 2 pages");
	ok(probe_access(p + 2 * PAGE, 0, &info) == SIGSEGV && info.si_code == SEGV_MAPERR, "the hole faults (MAPERR)");
	ok(p[PAGE] == 'd' && p[3 * PAGE] == 'd', "data on both sides intact");

	is_errno(munmap(p + 1, PAGE), EINVAL, "unaligned address: EINVAL");
	is_errno(munmap(p, 0), EINVAL, "length 0: EINVAL");
	is_long(munmap(p + 2 * PAGE, PAGE), 0, "unmapping a hole again succeeds");
	is_long(munmap(p, 5 * PAGE), 0, "unmapping across mappings and holes");
	is_long(maps_count(p, 5 * PAGE), 0, "everything in the range is gone");
	/* 2^62 bytes: past the user address space with 4- or 5-level paging. */
	is_errno(munmap((void *)0x7ffffffff000UL, 1UL << 62), EINVAL, "a range past the user address space: EINVAL");
	check_huge_partial_unmap();
	return done_testing();
}
