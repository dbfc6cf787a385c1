/* SPDX-License-Identifier: MIT */
/*
 * MAP_GROWSDOWN: a fault just below the mapping grows it down (VmFlags gd);
 * the process stack ([stack]) grows the same way under deep recursion.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "suite.h"

/* Uses about 16 KiB of stack per level. */
static int recurse(int depth)
{
	volatile char frame[16384];
	frame[0] = (char)depth;
	return depth ? recurse(depth - 1) + frame[0] : frame[0];
}

int main(void)
{
	struct vma vma;
	/* 8 MiB of free address space, the growing mapping at its top. */
	char *space = mmap(NULL, 8 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (space == MAP_FAILED || munmap(space, 8 << 20))
		bail_out("cannot reserve space");
	char *top = space + (8 << 20) - 2 * PAGE;
	char *g = mmap(top, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED,
		       -1, 0);

	plan(9);
	is_hex((unsigned long)g, (unsigned long)top, "MAP_GROWSDOWN mapping placed");
	ok(smaps_has_flag(g, "gd"), "VmFlags has gd");
	g[0] = 1;
	is_long(probe_access(g - 1, 1, NULL), 0, "writing the byte below it works");
	ok(maps_find(g, &vma) && vma.start == (unsigned long)(g - PAGE), "the mapping grew down by a page");
	is_long(probe_access(g - 10 * PAGE, 0, NULL), 0, "reading 10 pages below works");
	ok(maps_find(g, &vma) && vma.start == (unsigned long)(g - 10 * PAGE) && vma.end == (unsigned long)(g + PAGE),
	   "the mapping now starts 10 pages lower");
	ok(g[-10 * (long)PAGE] == 0 && g[-1] == 0 && g[0] == 1, "grown pages are zero, the old one kept");

	volatile int here = 0;
	maps_find((void *)&here, &vma);
	unsigned long stack_start = vma.start;
	recurse(20);
	ok(maps_find((void *)&here, &vma) && !strcmp(vma.path, "[stack]"), "[stack] found");
	ok(vma.start < stack_start || stack_start + 320 * 1024 <= (unsigned long)&here,
	   "320 KiB of recursion grew [stack] down (start %#lx, was %#lx)", vma.start, stack_start);
	return done_testing();
}
