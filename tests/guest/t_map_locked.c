/* SPDX-License-Identifier: MIT */
/* MAP_LOCKED: a locked, populated mapping (VmFlags lo, Locked, VmLck). */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "suite.h"

int main(void)
{
	long vmlck0 = status_kb("VmLck");
	char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);

	plan(6);
	ok(p != MAP_FAILED, "mmap with MAP_LOCKED (32 kB)");
	ok(smaps_has_flag(p, "lo"), "VmFlags has lo");
	is_long(smaps_kb(p, "Locked"), 32, "smaps Locked 32 kB");
	is_long(resident_pages(p, 8 * PAGE), 8, "all pages resident without being touched");
	is_long(status_kb("VmLck") - vmlck0, 32, "VmLck grew by 32 kB");
	munmap(p, 8 * PAGE);
	is_long(status_kb("VmLck"), vmlck0, "munmap gives the locked memory back");
	return done_testing();
}
