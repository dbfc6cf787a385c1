/* SPDX-License-Identifier: MIT */
/* /proc/meminfo and /proc/sys/vm/mmap_min_addr. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "suite.h"

int main(void)
{
	static char text[16384];

	plan(11);
	ok(read_text("/proc/meminfo", text, sizeof(text)) > 0 && !strncmp(text, "MemTotal:", 9),
	   "/proc/meminfo starts with MemTotal:");
	long total = meminfo_kb("MemTotal"), free_kb = meminfo_kb("MemFree");
	ok(total > 8192, "MemTotal plausible (%ld kB)", total);
	ok(free_kb > 0 && free_kb <= total, "0 < MemFree <= MemTotal (%ld kB)", free_kb);
	long avail = meminfo_kb("MemAvailable");
	ok(avail >= 0 && avail <= total, "MemAvailable in [0, MemTotal]");
	ok(meminfo_kb("Cached") >= 0 && meminfo_kb("SwapTotal") >= 0, "Cached and SwapTotal present");
	ok(strstr(text, "MemTotal:") && strstr(strstr(text, "MemTotal:"), " kB\n"), "values in kB");

	ok(read_text("/proc/sys/vm/mmap_min_addr", text, sizeof(text)) > 0, "read mmap_min_addr");
	long min_addr = strtol(text, NULL, 10);
	ok(min_addr >= 0 && min_addr % PAGE == 0, "a page multiple (%ld)", min_addr);
	/* A hint below the limit is not honoured, for anyone. */
	char *p = mmap((void *)PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(p != MAP_FAILED && (long)p >= min_addr, "a hint below mmap_min_addr gives an address above it");
	munmap(p, PAGE); /* some kernels place it right at the limit */
	/* At the limit is allowed for anyone; below it (at 0) needs CAP_SYS_RAWIO. */
	void *lowest = (void *)(min_addr ? min_addr : (long)PAGE);
	ok(mmap(lowest, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == lowest,
	   "MAP_FIXED_NOREPLACE at mmap_min_addr works");
	if (is_root() || min_addr == 0)
		skip(1, "root (or a zero limit) may map at address 0");
	else
		is_errno((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EPERM,
			 "non-root: MAP_FIXED at 0, below mmap_min_addr: EPERM");
	return done_testing();
}
