// SPDX-License-Identifier: MIT
/* /proc/PID/maps and smaps in Linux's exact format (fs/proc/task_mmu.c). */
#include "internal.h"
#include "mm.h"
#include "sched.h"

#pragma weak vma_special_name
#pragma weak vma_page_stats

/* Linux pads the line before the name to 25 + 6 * sizeof(void *) - 1
 * columns, then a space: names start at column 73. */
#define MAPS_NAME_COLUMN (25 + 6 * 8 - 1)

void show_map_vma(struct seq_file *m, struct vm_area_struct *vma)
{
	struct file *file = vma->vm_file;
	unsigned long flags = vma->vm_flags;
	uint64_t pgoff = 0, ino = 0;
	uint32_t dev = 0;
	size_t start = m->count;

	if (file) {
		struct inode *inode = file->f_inode;
		dev = inode->i_dev;
		ino = inode->i_ino;
		pgoff = vma->vm_pgoff << PAGE_SHIFT;
	}
	seq_printf(m, "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ", vma->vm_start, vma->vm_end,
		   flags & VM_READ ? 'r' : '-', flags & VM_WRITE ? 'w' : '-',
		   flags & VM_EXEC ? 'x' : '-', flags & VM_MAYSHARE ? 's' : 'p', pgoff, MAJOR(dev),
		   MINOR(dev), ino);

	char name[PATH_MAX];
	const char *shown = NULL;
	if (file) {
		file_map_name(file, name, sizeof(name));
		shown = name;
	} else if (vma_special_name) {
		shown = vma_special_name(vma);
	}
	if (shown) {
		seq_pad_to(m, start, MAPS_NAME_COLUMN);
		seq_putc(m, ' ');
		seq_puts(m, shown);
	}
	seq_putc(m, '\n');
}

void proc_pid_maps(struct seq_file *m, struct task_struct *task)
{
	struct vm_area_struct *vma;
	if (!task->mm)
		return;
	for_each_vma(task->mm, vma)
		show_map_vma(m, vma);
}

static void smap_kb(struct seq_file *m, const char *name, uint64_t kbytes)
{
	seq_printf(m, "%-16s%8lu kB\n", name, kbytes);
}

/* Linux's two-letter codes, in its order. */
static const struct {
	unsigned long flag;
	char name[3];
} vm_flag_names[] = {
	{VM_READ, "rd"},        {VM_WRITE, "wr"},       {VM_EXEC, "ex"},
	{VM_SHARED, "sh"},      {VM_MAYREAD, "mr"},     {VM_MAYWRITE, "mw"},
	{VM_MAYEXEC, "me"},     {VM_MAYSHARE, "ms"},    {VM_GROWSDOWN, "gd"},
	{0x400UL, "pf"},        {VM_LOCKED, "lo"},      {VM_IO, "io"},
	{VM_SEQ_READ, "sr"},    {VM_RAND_READ, "rr"},   {VM_DONTCOPY, "dc"},
	{VM_DONTEXPAND, "de"},  {VM_LOCKONFAULT, "lf"}, {VM_ACCOUNT, "ac"},
	{VM_NORESERVE, "nr"},   {0x00400000UL, "ht"},   {0x00800000UL, "sf"},
	{0x02000000UL, "wf"},   {0x04000000UL, "dd"},   {0x10000000UL, "mm"},
	{VM_HUGEPAGE, "hg"},    {VM_NOHUGEPAGE, "nh"},  {0x80000000UL, "mg"},
};

void proc_pid_smaps(struct seq_file *m, struct task_struct *task)
{
	struct vm_area_struct *vma;
	if (!task->mm)
		return;
	for_each_vma(task->mm, vma) {
		struct vma_page_stats st = {0};
		if (vma_page_stats)
			vma_page_stats(vma, &st);
		show_map_vma(m, vma);
		uint64_t k = PAGE_SIZE >> 10;
		smap_kb(m, "Size:", (vma->vm_end - vma->vm_start) >> 10);
		smap_kb(m, "KernelPageSize:", k);
		smap_kb(m, "MMUPageSize:", k);
		smap_kb(m, "Rss:", st.rss * k);
		/* Pss: each page divided among the page tables mapping it. */
		smap_kb(m, "Pss:", st.pss_4k >> 10);
		smap_kb(m, "Pss_Dirty:", st.pss_dirty_4k >> 10);
		smap_kb(m, "Shared_Clean:", st.shared_clean * k);
		smap_kb(m, "Shared_Dirty:", st.shared_dirty * k);
		smap_kb(m, "Private_Clean:", st.private_clean * k);
		smap_kb(m, "Private_Dirty:", st.private_dirty * k);
		smap_kb(m, "Referenced:", st.referenced * k);
		smap_kb(m, "Anonymous:", st.anon * k);
		smap_kb(m, "KSM:", 0);
		smap_kb(m, "LazyFree:", 0);
		smap_kb(m, "AnonHugePages:", st.anon_huge * k);
		smap_kb(m, "ShmemPmdMapped:", 0);
		smap_kb(m, "FilePmdMapped:", 0);
		smap_kb(m, "Shared_Hugetlb:", 0);
		smap_kb(m, "Private_Hugetlb:", 0);
		smap_kb(m, "Swap:", st.swap * k);
		smap_kb(m, "SwapPss:", 0);
		smap_kb(m, "Locked:", vma->vm_flags & VM_LOCKED ? st.pss_4k >> 10 : 0);
		/* mm's THP policy is "madvise": private anonymous VMAs with MADV_HUGEPAGE. */
		bool thp = !vma->vm_file && !vma->vm_ops && !(vma->vm_flags & (VM_SHARED | VM_NOHUGEPAGE)) &&
			   (vma->vm_flags & VM_HUGEPAGE) && vma->vm_end - vma->vm_start >= PMD_SIZE;
		seq_printf(m, "%-16s%8u\n", "THPeligible:", thp);
		seq_puts(m, "VmFlags: ");
		for (unsigned int i = 0; i < ARRAY_SIZE(vm_flag_names); i++)
			if (vma->vm_flags & vm_flag_names[i].flag)
				seq_printf(m, "%s ", vm_flag_names[i].name);
		seq_putc(m, '\n');
	}
}
