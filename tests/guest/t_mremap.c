/* SPDX-License-Identifier: MIT */
/*
 * mremap: shrink, grow in place, refuse to grow into a neighbour without
 * MREMAP_MAYMOVE, move with it (data intact, old range gone); errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suite.h"

static void fill(char *p, size_t len)
{
	for (size_t i = 0; i < len; i += 512)
		p[i] = (char)(i / 512 + 1);
}

static int filled(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i += 512)
		if (p[i] != (char)(i / 512 + 1))
			return 0;
	return 1;
}

int main(void)
{
	struct vma vma;
	/* Guard pages on both sides: growing past 4 pages meets one. */
	char *p = map_isolated(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		bail_out("mmap failed");
	fill(p, 4 * PAGE);

	plan(16);
	is_hex((unsigned long)mremap(p, 4 * PAGE, 2 * PAGE, 0), (unsigned long)p, "shrink 4 -> 2 pages in place");
	ok(maps_find(p, &vma) && vma.end == (unsigned long)(p + 2 * PAGE), "maps: the VMA ends after 2 pages");
	is_long(probe_access(p + 3 * PAGE, 0, NULL), SIGSEGV, "the cut tail faults");
	is_hex((unsigned long)mremap(p, 2 * PAGE, 4 * PAGE, 0), (unsigned long)p, "grow 2 -> 4 pages in place");
	ok(filled(p, 2 * PAGE) && p[3 * PAGE] == 0, "old data intact, new tail zero");
	fill(p, 4 * PAGE);
	is_errno((long)mremap(p, 4 * PAGE, 8 * PAGE, 0), ENOMEM, "grow into the guard page without MAYMOVE: ENOMEM");

	char *moved = mremap(p, 4 * PAGE, 16 * PAGE, MREMAP_MAYMOVE);
	ok(moved != MAP_FAILED && moved != p, "grow with MREMAP_MAYMOVE moves it");
	ok(filled(moved, 4 * PAGE), "data intact after the move");
	ok(moved[15 * PAGE] == 0, "the grown part is zero");
	is_long(maps_count(p, 4 * PAGE), 0, "the old range is unmapped");
	ok(maps_find(moved, &vma) && vma.start == (unsigned long)moved && vma.end == (unsigned long)(moved + 16 * PAGE),
	   "maps: 16 pages at the new address");

	/* Errors, through the raw call (musl's wrapper checks some itself). */
	is_errno(syscall(SYS_mremap, moved + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0), EINVAL, "unaligned address: EINVAL");
	is_errno(syscall(SYS_mremap, moved, PAGE, 0, MREMAP_MAYMOVE, 0), EINVAL, "new length 0: EINVAL");
	is_errno(syscall(SYS_mremap, moved, PAGE, PAGE, 0x80, 0), EINVAL, "unknown flags: EINVAL");
	is_errno(syscall(SYS_mremap, p, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0), EFAULT, "an unmapped old address: EFAULT");
	is_errno(syscall(SYS_mremap, moved, 17 * PAGE, 20 * PAGE, MREMAP_MAYMOVE, 0), EFAULT,
		 "old range longer than the mapping: EFAULT");
	return done_testing();
}
