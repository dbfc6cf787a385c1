/* SPDX-License-Identifier: MIT */
/* munmap: splitting a VMA (seen in maps), holes fault, and the errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "suite.h"

int main(void)
{
	struct vma left, right;
	siginfo_t info;
	char *p = map_isolated(5 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		bail_out("mmap failed");
	memset(p, 'd', 5 * PAGE);

	plan(13);
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
	return done_testing();
}
