/* SPDX-License-Identifier: MIT */
/*
 * Reading untouched private anonymous memory allocates nothing (Linux maps
 * the shared zero page: Rss stays 0); the first write gives the page its own
 * frame. MADV_NOHUGEPAGE keeps THP out.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "suite.h"

int main(void)
{
	char *p = map_isolated(8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		bail_out("mmap failed");
	madvise(p, 8 * PAGE, MADV_NOHUGEPAGE);

	plan(5);
	int sum = 0;
	for (int i = 0; i < 8; i++)
		sum += ((volatile char *)p)[i * PAGE];
	is_long(sum, 0, "untouched memory reads zero");
	if (!zero_page_on_read()) {
		p[3 * PAGE] = 1;
		skip(3, "this host kernel maps no shared zero page on a read fault");
	} else {
		is_long(smaps_kb(p, "Rss"), 0, "reading it allocated nothing (Rss 0)");
		p[3 * PAGE] = 1;
		is_long(smaps_kb(p, "Rss"), 4, "a write to one page: Rss 4 kB");
		is_long(smaps_kb(p, "Anonymous"), 4, "one anonymous page");
	}
	ok(p[3 * PAGE] == 1 && p[2 * PAGE] == 0 && p[4 * PAGE] == 0, "only that page changed");
	return done_testing();
}
