/* SPDX-License-Identifier: MIT */
/* /proc/self/smaps: Size, Rss, Anonymous, Locked and VmFlags of our own mappings. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char *anon = map_isolated(8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *shared = map_isolated(2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
	char *ro = map_isolated(PAGE, PROT_READ, MAP_PRIVATE);
	if (!anon || !shared || !ro)
		bail_out("mmap failed");
	madvise(anon, 8 * PAGE, MADV_NOHUGEPAGE);

	plan(14);
	is_long(smaps_kb(anon, "Size"), 32, "Size: 32 kB for 8 pages");
	is_long(smaps_kb(anon, "KernelPageSize"), 4, "KernelPageSize: 4 kB");
	is_long(smaps_kb(anon, "Rss"), 0, "Rss 0 before any access");
	for (int i = 0; i < 3; i++)
		anon[i * PAGE] = 1;
	is_long(smaps_kb(anon, "Rss"), 12, "Rss 12 kB after writing 3 pages");
	is_long(smaps_kb(anon, "Anonymous"), 12, "Anonymous 12 kB");
	is_long(smaps_kb(anon, "Locked"), 0, "Locked 0");
	ok(smaps_has_flag(anon, "rd") && smaps_has_flag(anon, "wr") && smaps_has_flag(anon, "mr") &&
		   smaps_has_flag(anon, "mw") && smaps_has_flag(anon, "me"),
	   "VmFlags of rw private memory: rd wr mr mw me");
	ok(!smaps_has_flag(anon, "sh") && !smaps_has_flag(anon, "lo"), "not sh, not lo");
	ok(smaps_has_flag(ro, "rd") && !smaps_has_flag(ro, "wr") && smaps_has_flag(ro, "mw"),
	   "read-only private: rd, not wr, still mw (may become writable)");
	ok(smaps_has_flag(shared, "sh") && smaps_has_flag(shared, "ms"), "shared memory: sh and ms");

	if (mlock(anon, 8 * PAGE) == 0) {
		is_long(smaps_kb(anon, "Locked"), 32, "after mlock: Locked 32 kB");
		is_long(smaps_kb(anon, "Rss"), 32, "mlock made every page resident");
		ok(smaps_has_flag(anon, "lo"), "VmFlags has lo");
		munlock(anon, 8 * PAGE);
		ok(!smaps_has_flag(anon, "lo") && smaps_kb(anon, "Locked") == 0, "munlock: no lo, Locked 0");
	} else {
		skip(4, "mlock not allowed here");
	}
	return done_testing();
}
