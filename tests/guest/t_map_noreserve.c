/* SPDX-License-Identifier: MIT */
/* MAP_NORESERVE: a large mapping costs nothing until touched. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>

#include "suite.h"

int main(void)
{
	static char text[32];
	const size_t len = 256UL << 20;
	read_text("/proc/sys/vm/overcommit_memory", text, sizeof(text));
	int strict = atoi(text) == 2;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	plan(5);
	ok(p != MAP_FAILED, "a 256 MiB MAP_NORESERVE mapping");
	if (strict)
		skip(1, "overcommit_memory=2 ignores MAP_NORESERVE");
	else
		ok(smaps_has_flag(p, "nr"), "VmFlags has nr");
	is_long(smaps_kb(p, "Size"), 256 << 10, "Size 262144 kB");
	p[0] = 1, p[len / 2] = 2, p[len - 1] = 3;
	is_long(smaps_kb(p, "Rss"), 12, "touching 3 pages makes Rss 12 kB");
	ok(p[len / 2] == 2 && p[PAGE] == 0, "data where written, zeros elsewhere");
	return done_testing();
}
