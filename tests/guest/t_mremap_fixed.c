/* SPDX-License-Identifier: MIT */
/* mremap with MREMAP_FIXED (to a chosen address) and MREMAP_DONTUNMAP. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char *src = map_isolated(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *target = map_isolated(8 * PAGE, PROT_READ, MAP_PRIVATE);
	if (!src || !target)
		bail_out("mmap failed");
	memset(src, 's', 4 * PAGE);

	plan(13);
	char *dest = target + 2 * PAGE;
	char *got = mremap(src, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	is_hex((unsigned long)got, (unsigned long)dest, "MREMAP_FIXED moves to the address asked for");
	ok(got[0] == 's' && got[4 * PAGE - 1] == 's', "data intact at the target");
	is_long(maps_count(src, 4 * PAGE), 0, "the source range is unmapped");
	struct vma vma;
	ok(maps_find(dest, &vma) && !strcmp(vma.perms, "rw-p") && vma.start == (unsigned long)dest &&
		   vma.end == (unsigned long)(dest + 4 * PAGE),
	   "it replaced part of the target mapping (rw-p, 4 pages)");
	is_errno(syscall(SYS_mremap, dest, PAGE, PAGE, MREMAP_FIXED, target), EINVAL, "FIXED without MAYMOVE: EINVAL");
	is_errno(syscall(SYS_mremap, dest, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dest + PAGE), EINVAL,
		 "overlapping old and new ranges: EINVAL");
	is_errno(syscall(SYS_mremap, dest, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target + 1), EINVAL,
		 "unaligned new address: EINVAL");

	/* DONTUNMAP: the pages move, the old range stays mapped and empty. */
	char *keep = map_isolated(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	memset(keep, 'k', 2 * PAGE);
	char *moved = mremap(keep, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	ok(moved != MAP_FAILED && moved != keep, "MREMAP_DONTUNMAP moves the pages");
	ok(moved[0] == 'k' && moved[2 * PAGE - 1] == 'k', "the data is at the new address");
	is_long(maps_count(keep, 2 * PAGE), 1, "the old range is still mapped");
	ok(keep[0] == 0 && keep[PAGE] == 0, "and reads zero (private anonymous)");
	is_errno(syscall(SYS_mremap, moved, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0), EINVAL,
		 "DONTUNMAP with a different length: EINVAL");
	is_errno(syscall(SYS_mremap, moved, 2 * PAGE, 2 * PAGE, MREMAP_DONTUNMAP, 0), EINVAL,
		 "DONTUNMAP without MAYMOVE: EINVAL");
	return done_testing();
}
