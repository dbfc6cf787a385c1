/* SPDX-License-Identifier: MIT */
/*
 * Fault counters: the first touch of a page faults (/proc/vmstat pgfault and
 * getrusage ru_minflt grow), a second touch or prefaulted memory does not.
 * MADV_NOHUGEPAGE so that THP cannot fold many faults into one.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>

#include "suite.h"

#define PAGES 64

static long minor_faults(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void touch(char *p)
{
	for (int i = 0; i < PAGES; i++)
		((volatile char *)p)[i * PAGE] = 1;
}

int main(void)
{
	char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *pre = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			 -1, 0);
	madvise(p, PAGES * PAGE, MADV_NOHUGEPAGE);

	plan(7);
	long global0 = vmstat_value("pgfault");
	ok(global0 > 0, "/proc/vmstat has pgfault (%ld)", global0);
	ok(vmstat_value("pgmajfault") >= 0, "and pgmajfault");
	long minflt0 = minor_faults();
	touch(p);
	long minflt1 = minor_faults(), global1 = vmstat_value("pgfault");
	/* One each (a few more for the stack or libc), not two. */
	ok(minflt1 - minflt0 >= PAGES && minflt1 - minflt0 < PAGES + 4,
	   "first touch of %d pages: ru_minflt +%ld", PAGES, minflt1 - minflt0);
	ok(global1 - global0 >= PAGES, "and /proc/vmstat pgfault +%ld (>= %d)", global1 - global0, PAGES);
	touch(p);
	ok(minor_faults() - minflt1 < 4, "second touch: no new faults (+%ld)", minor_faults() - minflt1);
	long before = minor_faults();
	touch(pre);
	ok(minor_faults() - before < 4, "MAP_POPULATE memory: no faults on touch (+%ld)", minor_faults() - before);
	madvise(p, PAGES * PAGE, MADV_DONTNEED);
	before = minor_faults();
	touch(p);
	ok(minor_faults() - before >= PAGES, "after MADV_DONTNEED the pages fault again (+%ld)",
	   minor_faults() - before);
	return done_testing();
}
