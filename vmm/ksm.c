/* SPDX-License-Identifier: MIT */
/* tdp mode's --dedup through the host kernel's KSM (see ksm.h). */
#include "ksm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The number in file dir/name (dir NULL: name is a path), or -1. */
static int64_t read_number(const char *dir, const char *name)
{
	char path[256], buf[32];
	if (dir)
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	else
		snprintf(path, sizeof(path), "%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *end;
	long long v = strtoll(buf, &end, 10);
	if (end == buf || v < 0)
		return -1;
	return v;
}

static int write_number(const char *dir, const char *name, unsigned v)
{
	char path[256], buf[16];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int len = snprintf(buf, sizeof(buf), "%u\n", v);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = write(fd, buf, (size_t)len) == len ? 0 : -errno;
	close(fd);
	return r;
}

int ksm_check(const char *dir, char *why, size_t len)
{
	int64_t run = read_number(dir, "run");
	if (run == 1)
		return 0;
	if (run < 0)
		snprintf(why, len, "this kernel has no KSM (no %s/run)", dir);
	else
		snprintf(why, len, "KSM is off (%s/run is %lld; as root: echo 1 > %s/run)", dir,
			 (long long)run, dir);
	return -1;
}

int ksm_enable(const char *dir, unsigned pages_to_scan, unsigned sleep_ms)
{
	int r = write_number(dir, "pages_to_scan", pages_to_scan);
	if (!r)
		r = write_number(dir, "sleep_millisecs", sleep_ms);
	if (!r)
		r = write_number(dir, "run", 1);
	return r;
}

int ksm_merge_guest(const struct guest_mem *mem)
{
	for (unsigned i = 0; i < mem->nranges; i++)
		if (mem->ranges[i].hva &&
		    madvise(mem->ranges[i].hva, mem->ranges[i].size, MADV_MERGEABLE))
			return -errno;
	return 0;
}

int64_t ksm_merging_pages(const char *dir)
{
	int64_t n = read_number(NULL, "/proc/self/ksm_merging_pages");
	if (n >= 0)
		return n;
	int64_t sharing = read_number(dir, "pages_sharing"), shared = read_number(dir, "pages_shared");
	return sharing < 0 || shared < 0 ? -1 : sharing + shared;
}

/* pagemap entry (Documentation/admin-guide/mm/pagemap.rst): bit 63
 * present, bits 0-54 the frame number (0 without CAP_SYS_ADMIN). */
#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)

/* This process's pagemap entry of the page at hva. 0 or -1. */
static int pagemap_entry(int fd, const volatile void *hva, uint64_t *pme)
{
	ssize_t n = pread(fd, pme, sizeof(*pme), (off_t)((uintptr_t)hva / 4096 * 8));
	return n == (ssize_t)sizeof(*pme) ? 0 : -1;
}

int ksm_probe_open(struct ksm_probe *p)
{
	p->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	p->kpageflags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	int e = p->pagemap_fd >= 0 && p->kpageflags_fd >= 0 ? 0 : -errno;
	/* A page surely mapped (this stack's): its frame number shows
	 * whether they are hidden. */
	volatile uint64_t here = 1;
	uint64_t pme;
	if (!e && (pagemap_entry(p->pagemap_fd, &here, &pme) || !(pme & PM_PFN_MASK)))
		e = -EPERM;
	if (e)
		ksm_probe_close(p);
	return e;
}

void ksm_probe_close(struct ksm_probe *p)
{
	if (p->pagemap_fd >= 0)
		close(p->pagemap_fd);
	if (p->kpageflags_fd >= 0)
		close(p->kpageflags_fd);
	p->pagemap_fd = p->kpageflags_fd = -1;
}

int ksm_page_merged(const struct ksm_probe *p, const void *hva)
{
	uint64_t pme, flags;
	if (p->pagemap_fd < 0 || pagemap_entry(p->pagemap_fd, hva, &pme))
		return -1;
	if (!(pme & PM_PRESENT))
		return 0;
	uint64_t pfn = pme & PM_PFN_MASK;
	if (!pfn || pread(p->kpageflags_fd, &flags, sizeof(flags), (off_t)(pfn * 8)) !=
			    (ssize_t)sizeof(flags))
		return -1;
	return (int)((flags >> KPF_KSM) & 1);
}
