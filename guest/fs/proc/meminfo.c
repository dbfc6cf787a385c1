// SPDX-License-Identifier: MIT
/* /proc/meminfo and /proc/vmstat in Linux's formats. */
#include "internal.h"
#include "mm.h"
#include "pmm.h"
#include "sched.h"

static void show_val_kb(struct seq_file *m, const char *name, uint64_t pages)
{
	seq_printf(m, "%-16s%8lu kB\n", name, pages << (PAGE_SHIFT - 10));
}

void proc_meminfo_show(struct seq_file *m, struct task_struct *unused)
{
	(void)unused;
	uint64_t anon = 0, mapped = 0, mlocked = 0, pgtables = 0;
	struct task_struct *p;
	for_each_process(p) {
		if (!p->mm || p->state == TASK_DEAD)
			continue;
		anon += p->mm->rss_stat[MM_ANONPAGES];
		mapped += p->mm->rss_stat[MM_FILEPAGES] + p->mm->rss_stat[MM_SHMEMPAGES];
		mlocked += p->mm->locked_vm;
		pgtables += p->mm->pgtables_bytes >> PAGE_SHIFT;
	}
	uint64_t total = totalram_pages(), free = nr_free_pages();
	uint64_t cached = nr_file_pages;
	/* Nothing is reclaimable but clean file pages; RAM files are not. */
	uint64_t available = free;

	show_val_kb(m, "MemTotal:", total);
	show_val_kb(m, "MemFree:", free);
	show_val_kb(m, "MemAvailable:", available);
	show_val_kb(m, "Buffers:", 0);
	show_val_kb(m, "Cached:", cached);
	show_val_kb(m, "SwapCached:", 0);
	show_val_kb(m, "Active:", anon + cached);
	show_val_kb(m, "Inactive:", 0);
	show_val_kb(m, "Active(anon):", anon + nr_shmem_pages);
	show_val_kb(m, "Inactive(anon):", 0);
	show_val_kb(m, "Active(file):", cached - nr_shmem_pages);
	show_val_kb(m, "Inactive(file):", 0);
	show_val_kb(m, "Unevictable:", mlocked);
	show_val_kb(m, "Mlocked:", mlocked);
	show_val_kb(m, "SwapTotal:", 0);
	show_val_kb(m, "SwapFree:", 0);
	show_val_kb(m, "Zswap:", 0);
	show_val_kb(m, "Zswapped:", 0);
	show_val_kb(m, "Dirty:", 0);
	show_val_kb(m, "Writeback:", 0);
	show_val_kb(m, "AnonPages:", anon);
	show_val_kb(m, "Mapped:", mapped);
	show_val_kb(m, "Shmem:", nr_shmem_pages);
	show_val_kb(m, "KReclaimable:", 0);
	show_val_kb(m, "Slab:", 0);
	show_val_kb(m, "SReclaimable:", 0);
	show_val_kb(m, "SUnreclaim:", 0);
	seq_printf(m, "%-16s%8lu kB\n", "KernelStack:", 0UL);
	show_val_kb(m, "PageTables:", pgtables);
	show_val_kb(m, "SecPageTables:", 0);
	show_val_kb(m, "NFS_Unstable:", 0);
	show_val_kb(m, "Bounce:", 0);
	show_val_kb(m, "WritebackTmp:", 0);
	show_val_kb(m, "CommitLimit:", total / 2);
	show_val_kb(m, "Committed_AS:", total - free);
	seq_printf(m, "%-16s%8lu kB\n", "VmallocTotal:", 34359738367UL);
	show_val_kb(m, "VmallocUsed:", 0);
	show_val_kb(m, "VmallocChunk:", 0);
	show_val_kb(m, "Percpu:", 0);
	show_val_kb(m, "HardwareCorrupted:", 0);
	show_val_kb(m, "AnonHugePages:", nr_anon_thp << (PMD_SHIFT - PAGE_SHIFT));
	show_val_kb(m, "ShmemHugePages:", 0);
	show_val_kb(m, "ShmemPmdMapped:", 0);
	show_val_kb(m, "FileHugePages:", 0);
	show_val_kb(m, "FilePmdMapped:", 0);
	seq_printf(m, "HugePages_Total:   %5u\nHugePages_Free:    %5u\n"
		      "HugePages_Rsvd:    %5u\nHugePages_Surp:    %5u\n", 0, 0, 0, 0);
	seq_printf(m, "%-16s%8lu kB\n", "Hugepagesize:", 2048UL);
	seq_printf(m, "%-16s%8lu kB\n", "Hugetlb:", 0UL);
	seq_printf(m, "%-16s%8lu kB\n", "DirectMap4k:", 0UL);
	seq_printf(m, "%-16s%8lu kB\n", "DirectMap2M:", total << (PAGE_SHIFT - 10));
	seq_printf(m, "%-16s%8lu kB\n", "DirectMap1G:", 0UL);
}

void proc_vmstat_show(struct seq_file *m, struct task_struct *unused)
{
	(void)unused;
	seq_printf(m, "nr_free_pages %lu\n", nr_free_pages());
	seq_printf(m, "nr_file_pages %lu\n", nr_file_pages);
	seq_printf(m, "nr_shmem %lu\n", nr_shmem_pages);
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		if (vm_event_names[i])
			seq_printf(m, "%s %lu\n", vm_event_names[i], vm_events[i]);
}

/* Linux has no per-process vmstat; umbra counts each fault path per mm too,
 * and /proc/PID/vmstat shows them (nothing for a task without an mm). */
void proc_pid_vmstat(struct seq_file *m, struct task_struct *task)
{
	if (!task->mm)
		return;
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		if (vm_event_names[i])
			seq_printf(m, "%s %lu\n", vm_event_names[i], task->mm->events[i]);
}
