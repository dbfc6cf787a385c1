/* SPDX-License-Identifier: MIT */
/* MAP_FIXED replaces, MAP_FIXED_NOREPLACE refuses (EEXIST), a plain hint moves. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "suite.h"

static void *map_at(void *addr, size_t len, int extra)
{
	return mmap(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);
}

int main(void)
{
	char *area = map_isolated(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!area)
		bail_out("mmap failed");
	memset(area, 'x', 4 * PAGE);

	plan(10);
	char *fixed = map_at(area + PAGE, PAGE, MAP_FIXED);
	is_hex((unsigned long)fixed, (unsigned long)(area + PAGE), "MAP_FIXED returns the address asked for");
	ok(fixed[0] == 0 && area[0] == 'x' && area[2 * PAGE] == 'x', "it replaced just that page, now zero");
	is_long(maps_count(area, 4 * PAGE), 1, "same flags: still one VMA");
	is_errno((long)map_at(area + 100, PAGE, MAP_FIXED), EINVAL, "MAP_FIXED unaligned: EINVAL");

	is_errno((long)map_at(area + 2 * PAGE, PAGE, MAP_FIXED_NOREPLACE), EEXIST, "NOREPLACE over a mapping: EEXIST");
	is_errno((long)map_at(area + 3 * PAGE, 2 * PAGE, MAP_FIXED_NOREPLACE), EEXIST,
		 "NOREPLACE partly over a mapping: EEXIST");
	ok(area[2 * PAGE] == 'x' && area[3 * PAGE] == 'x', "the refused calls changed nothing");
	munmap(area + 3 * PAGE, PAGE);
	char *placed = map_at(area + 3 * PAGE, PAGE, MAP_FIXED_NOREPLACE);
	is_hex((unsigned long)placed, (unsigned long)(area + 3 * PAGE), "NOREPLACE on a free range: that address");

	char *hinted = map_at(area, PAGE, 0);
	ok(hinted != MAP_FAILED && hinted != area, "a plain hint on a used address goes elsewhere");
	is_long(area[0], 'x', "and leaves the mapping there alone");
	return done_testing();
}
