// SPDX-License-Identifier: MIT
/*
 * Fault-path and other mm event counters, global and per mm (Linux's
 * mm/vmstat.c): /proc/vmstat reads them, and the kernel prints them as a
 * table when init ends, so every run shows which fault paths it took.
 */
#include "mm.h"
#include "printk.h"

const char *const vm_event_names[NR_VM_EVENT_ITEMS] = {
	[PGFAULT] = "pgfault",
	[PGMAJFAULT] = "pgmajfault",
	[FAULT_ANON_ZERO] = "fault_anon_zero_page",
	[FAULT_ANON_NEW] = "fault_anon_new_page",
	[FAULT_READ] = "fault_read",
	[FAULT_AROUND_PAGES] = "fault_around_pages",
	[FAULT_COW] = "fault_cow",
	[FAULT_SHARED] = "fault_shared",
	[FAULT_WP_REUSE] = "fault_wp_reuse",
	[FAULT_WP_COPY] = "fault_wp_copy",
	[FAULT_STACK_EXPAND] = "fault_stack_expand",
	[FAULT_SIGSEGV] = "fault_sigsegv",
	[FAULT_SIGBUS] = "fault_sigbus",
	[FAULT_SPURIOUS] = "fault_spurious",
	[FAULT_HUGE] = "fault_huge_page",
	[MMU_NOTIFIER_INVALIDATE] = "mmu_notifier_invalidate",
	[MMU_NOTIFIER_UNBRACKETED] = "mmu_notifier_unbracketed",
	[THP_SPLIT_PMD] = "thp_split_pmd",
	[FAULT_PREFILL_EARLY] = "fault_prefill_early",
	[FAULT_PREFILL_STREAM] = "fault_prefill_stream",
};
uint64_t vm_events[NR_VM_EVENT_ITEMS];

void count_vm_event(struct mm_struct *mm, enum vm_event_item item)
{
	vm_events[item]++;
	if (mm)
		mm->events[item]++;
}

void vm_events_show(void)
{
	pr_info("fault-path counters (also in /proc/vmstat):");
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		if (vm_event_names[i])
			pr_info("  %-22s %10lu", vm_event_names[i], vm_events[i]);
}
