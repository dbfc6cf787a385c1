/* SPDX-License-Identifier: MIT */
/*
 * tdp mode's --dedup through the host's KSM (vmm/ksm.c), on a stand-in for
 * /sys/kernel/mm/ksm: refused with a reason when KSM is missing or off,
 * accepted when it runs; the nested L1's enable writes the scan settings
 * and turns it on; guest RAM can be marked mergeable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#include "guest_mem.h"
#include "ksm.h"

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static long get(const char *dir, const char *name)
{
	char path[256];
	long v = -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

TEST(ksm_check_and_enable)
{
	char dir[] = "/tmp/umbra-ksm-XXXXXX", why[256] = "";
	CHECK(mkdtemp(dir) != NULL);
	/* No run file: this kernel has no KSM. */
	CHECK_EQ(ksm_check(dir, why, sizeof(why)), -1);
	CHECK(strstr(why, "no KSM") != NULL);
	put(dir, "run", "0\n");
	CHECK_EQ(ksm_check(dir, why, sizeof(why)), -1);
	CHECK(strstr(why, "KSM is off") != NULL && strstr(why, "echo 1") != NULL);
	/* The L1's enable: scan settings first, then run. */
	put(dir, "pages_to_scan", "100\n");
	put(dir, "sleep_millisecs", "20\n");
	CHECK_EQ(ksm_enable(dir, 1234, 7), 0);
	CHECK_EQ(get(dir, "pages_to_scan"), 1234);
	CHECK_EQ(get(dir, "sleep_millisecs"), 7);
	CHECK_EQ(get(dir, "run"), 1);
	CHECK_EQ(ksm_check(dir, why, sizeof(why)), 0);
	char path[300];
	const char *names[] = {"run", "pages_to_scan", "sleep_millisecs"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	/* Nothing to write to: an error, not a crash. */
	CHECK(ksm_enable(dir, 100, 20) < 0);
	rmdir(dir);
}

TEST(ksm_merge_guest_marks_guest_ram)
{
	struct guest_mem gm;
	guest_mem_layout(&gm, 64 * 4096);
	CHECK_EQ(guest_mem_map(&gm), 0);
	/* Kernels without KSM refuse MADV_MERGEABLE with EINVAL. */
	int r = ksm_merge_guest(&gm);
	struct stat st;
	if (stat(KSM_SYSFS, &st) == 0)
		CHECK_EQ(r, 0);
	else
		CHECK(r == 0 || r == -EINVAL);
	/* Whatever the kernel, the count is a number or unknown. */
	CHECK(ksm_merging_pages(KSM_SYSFS) >= -1);
	guest_mem_unmap(&gm);
}

/* Which pages are merged: a page no one touched is not mapped (0); a page
 * written here is a private page, never a KSM one (0); the probe opens
 * only where frame numbers show (root with CAP_SYS_ADMIN); a closed probe
 * knows nothing. */
TEST(ksm_page_merged_tells_private_pages)
{
	struct ksm_probe p;
	uint8_t *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	int r = ksm_probe_open(&p);
	if (getuid() != 0)
		CHECK(r < 0);
	if (r == 0) {
		CHECK_EQ(ksm_page_merged(&p, m + 4096), 0);
		m[0] = 1;
		CHECK_EQ(ksm_page_merged(&p, m), 0);
		ksm_probe_close(&p);
	} else {
		CHECK(p.pagemap_fd < 0 && p.kpageflags_fd < 0);
	}
	CHECK_EQ(ksm_page_merged(&p, m), -1);
	munmap(m, 2 * 4096);
}
