// SPDX-License-Identifier: MIT
/*
 * /proc/umbra/stats: the VMM's run counters (UMBRA_HC_STATS_ALL), one
 * "name value" line each, for benchmarks that count VM exits, hypercalls
 * and shadow work per operation (tests/bench). Counters the VMM does not
 * have in this run (shadow ones in tdp mode) are left out. Reading the
 * file makes one hypercall (itself counted).
 */
#include <umbra/hypercall.h>

#include "hypercall.h"
#include "internal.h"
#include "string.h"

static const char *const stat_names[UMBRA_STAT_MAX] = {
	[UMBRA_STAT_EXITS] = "exits",
	[UMBRA_STAT_EXITS_IO] = "exits_io",
	[UMBRA_STAT_EXITS_HLT] = "exits_hlt",
	[UMBRA_STAT_EXITS_MMIO] = "exits_mmio",
	[UMBRA_STAT_HYPERCALLS] = "hypercalls",
	[UMBRA_STAT_KVM_EXITS] = "kvm_exits",
	[UMBRA_STAT_KVM_PF_TAKEN] = "kvm_pf_taken",
	[UMBRA_STAT_KVM_PF_GUEST] = "kvm_pf_guest",
	[UMBRA_STAT_DEDUP_MERGES] = "dedup_merges",
	[UMBRA_STAT_SHADOW_FAULTS_HANDLED] = "shadow_faults_handled",
	[UMBRA_STAT_SHADOW_FAULTS_REFLECTED] = "shadow_faults_reflected",
	[UMBRA_STAT_SHADOW_FILLS] = "shadow_fills",
	[UMBRA_STAT_SHADOW_FILLS_2M] = "shadow_fills_2m",
	[UMBRA_STAT_SHADOW_PREFETCHED] = "shadow_prefetched",
	[UMBRA_STAT_SHADOW_PREFETCH_USED] = "shadow_prefetch_used",
	[UMBRA_STAT_SHADOW_ZAPS] = "shadow_zaps",
	[UMBRA_STAT_SHADOW_WRPROTECTS] = "shadow_wrprotects",
	[UMBRA_STAT_SHADOW_PAGES] = "shadow_pages",
	[UMBRA_STAT_SHADOW_PAGES_CREATED] = "shadow_pages_created",
	[UMBRA_STAT_SHADOW_INVALIDATIONS] = "shadow_invalidations",
	[UMBRA_STAT_SHADOW_ROOT_SWITCHES] = "shadow_root_switches",
	[UMBRA_STAT_SHADOW_SLOT_FAULTS] = "shadow_slot_faults",
};

/* The VMM writes the counters here: within one page (aligned to more
 * than its size), the kernel's own memory, so reading it back faults on
 * nothing. The big kernel lock keeps readers one at a time. */
static int64_t counters[UMBRA_STAT_MAX] __aligned(1024);
_Static_assert(sizeof(counters) <= 1024, "the array lies within one page");

void proc_umbra_stats(struct seq_file *m, struct task_struct *unused)
{
	(void)unused;
	int64_t *v = counters;
	/* Written first: in shadow mode the VMM writes only into a frame
	 * present and writable for the guest (a touch backs or unshares it);
	 * host memory may take it back before the call, so try again. */
	long n = -UMBRA_EFAULT;
	for (int tries = 0; tries < 3 && n == -UMBRA_EFAULT; tries++) {
		memset(v, 0, sizeof(counters));
		n = hc_stats_all(v, UMBRA_STAT_MAX);
	}
	if (n < 0)
		pr_warn("/proc/umbra/stats: the VMM's counters could not be read (%ld)", n);
	for (long i = 0; i < n; i++) {
		if (stat_names[i]) {
			if (v[i] >= 0)
				seq_printf(m, "%s %lld\n", stat_names[i], (long long)v[i]);
		} else if (i >= UMBRA_STAT_HC_BASE && v[i] > 0) {
			/* by hypercall number; numbers never made are left out */
			seq_printf(m, "hc_%ld %lld\n", i - UMBRA_STAT_HC_BASE, (long long)v[i]);
		}
	}
}
