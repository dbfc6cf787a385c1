/* SPDX-License-Identifier: MIT */
/* /proc/self/status: identity fields, VmSize, VmRSS, VmLck follow our mappings. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	static char text[8192];
	const size_t len = 1 << 20;

	plan(12);
	ok(read_text("/proc/self/status", text, sizeof(text)) > 0 && !strncmp(text, "Name:\tt_proc_status\n", 20),
	   "first line 'Name:\\tt_proc_status'");
	is_long(status_kb("Pid"), getpid(), "Pid");
	is_long(status_kb("PPid"), getppid(), "PPid");
	is_long(status_kb("Threads"), 1, "Threads 1");

	long size0 = status_kb("VmSize"), rss0 = status_kb("VmRSS");
	ok(size0 > 0 && rss0 > 0, "VmSize and VmRSS present (%ld, %ld kB)", size0, rss0);
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	is_long(status_kb("VmSize") - size0, 1024, "VmSize grows by 1024 kB with a 1 MiB mapping");
	long rss_mapped = status_kb("VmRSS");
	for (size_t i = 0; i < len; i += PAGE)
		p[i] = 1;
	long grown = status_kb("VmRSS") - rss_mapped;
	/* Linux may batch RSS accounting by up to 64 pages per task. */
	ok(grown >= 768 && grown <= 1024 + 256, "VmRSS grows by about 1024 kB after touching it (%ld)", grown);
	ok(status_kb("VmHWM") >= status_kb("VmRSS") && status_kb("VmPeak") >= status_kb("VmSize"),
	   "VmHWM >= VmRSS and VmPeak >= VmSize");

	is_long(status_kb("VmLck"), 0, "VmLck 0");
	if (mlock(p, 16 * PAGE) == 0) {
		is_long(status_kb("VmLck"), 64, "VmLck 64 kB after mlock of 16 pages");
		munlock(p, 16 * PAGE);
		is_long(status_kb("VmLck"), 0, "VmLck 0 after munlock");
	} else {
		skip(2, "mlock not allowed here");
	}
	munmap(p, len);
	is_long(status_kb("VmSize"), size0, "VmSize back after munmap");
	return done_testing();
}
