/* SPDX-License-Identifier: MIT */
/*
 * tdp mode's --dedup (docs/host-memory.md): the host kernel's KSM merges
 * identical pages of guest RAM (madvise MADV_MERGEABLE, as QEMU's
 * mem-merge), breaks a sharing on a write, and tells KVM through the
 * kernel's own MMU notifier. The VMM checks that KSM runs, marks guest RAM
 * mergeable and reads how many of its pages are merged.
 */
#ifndef UMBRA_VMM_KSM_H
#define UMBRA_VMM_KSM_H

#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"

#define KSM_SYSFS "/sys/kernel/mm/ksm"

/* 0 when KSM runs (dir/run is 1); else -1 with why (a sentence naming how
 * to turn it on). dir: KSM_SYSFS (tests give another). */
int ksm_check(const char *dir, char *why, size_t len);
/* Turns KSM on with a fast scan (pages_to_scan, sleep_millisecs): for the
 * disposable L1 VM of a nested run only. 0 or -errno. */
int ksm_enable(const char *dir, unsigned pages_to_scan, unsigned sleep_ms);
/* MADV_MERGEABLE on every range of guest RAM. 0 or -errno. */
int ksm_merge_guest(const struct guest_mem *mem);
/* Pages of this process mapped to KSM pages (/proc/self/ksm_merging_pages;
 * where the kernel lacks it, dir's pages_sharing + pages_shared, the
 * whole host's), or -1. */
int64_t ksm_merging_pages(const char *dir);

/* Which of this process's pages are KSM pages: /proc/self/pagemap gives a
 * page's frame number (to root only), /proc/kpageflags that frame's KPF_KSM
 * bit. KSM's counts say how many, this says which. */
struct ksm_probe {
	int pagemap_fd, kpageflags_fd; /* -1: not open */
};
/* 0, or -errno with both left closed (no /proc/kpageflags; -EPERM: frame
 * numbers hidden, without CAP_SYS_ADMIN). */
int ksm_probe_open(struct ksm_probe *p);
void ksm_probe_close(struct ksm_probe *p);
/* 1: the page at hva is mapped to a KSM page; 0: it is not (or is not
 * mapped); -1: unknown (probe not open, frame numbers hidden). */
int ksm_page_merged(const struct ksm_probe *p, const void *hva);

#endif
