// SPDX-License-Identifier: MIT
/*
 * What /proc holds (Linux's fs/proc/base.c, array.c, meminfo.c and the
 * vm sysctls): the entries of the root and of each /proc/PID, and the
 * per-process texts in Linux's formats.
 */
#include <umbra/hypercall.h>

#include "balloon.h"
#include "hypercall.h"
#include "internal.h"
#include "mm.h"
#include "pgtable.h"
#include "pmm.h"
#include "sched.h"
#include "string.h"
#include "uaccess.h"

static long proc_self_readlink(struct task_struct *task, char *buf, size_t size)
{
	(void)task;
	char tmp[16];
	int n = snprintf(tmp, sizeof(tmp), "%d", current->tgid);
	n = MIN((size_t)n, size);
	memcpy(buf, tmp, n);
	return n;
}

static long proc_exe_readlink(struct task_struct *task, char *buf, size_t size)
{
	size_t n = MIN(strlen(task->path), size);
	if (!task->mm)
		return -ENOENT;
	memcpy(buf, task->path, n);
	return n;
}

static long proc_cwd_readlink(struct task_struct *task, char *buf, size_t size)
{
	if (!task->fs)
		return -ENOENT;
	char path[PATH_MAX];
	int err = d_path(task->fs->pwd, path, sizeof(path));
	if (err)
		return err;
	size_t n = MIN(strlen(path), size);
	memcpy(buf, path, n);
	return n;
}

static const char *task_state(const struct task_struct *task)
{
	switch (task->state) {
	case TASK_RUNNING:
		return "R (running)";
	case TASK_INTERRUPTIBLE:
		return "S (sleeping)";
	case TASK_UNINTERRUPTIBLE:
		return "D (disk sleep)";
	case TASK_STOPPED:
		return "T (stopped)";
	case TASK_ZOMBIE:
		return "Z (zombie)";
	default:
		return "X (dead)";
	}
}

static uint64_t kb(uint64_t pages)
{
	return pages << (PAGE_SHIFT - 10);
}

static uint64_t get_mm_rss(const struct mm_struct *mm)
{
	return mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_ANONPAGES] + mm->rss_stat[MM_SHMEMPAGES];
}

/* Pages of VMAs by kind, as Linux's data_vm, stack_vm, exec_vm. */
struct vm_counts {
	uint64_t data, stack, exec;
};

static void count_vm(struct mm_struct *mm, struct vm_counts *c)
{
	struct vm_area_struct *vma;
	*c = (struct vm_counts){0};
	for_each_vma(mm, vma) {
		uint64_t pages = (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
		if (vma->vm_flags & VM_GROWSDOWN ||
		    (vma->vm_start <= mm->start_stack && mm->start_stack < vma->vm_end))
			c->stack += pages;
		else if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
			c->data += pages;
		else if ((vma->vm_flags & (VM_EXEC | VM_WRITE)) == VM_EXEC)
			c->exec += pages;
	}
}

static void show_val_kb(struct seq_file *m, const char *name, uint64_t pages)
{
	seq_printf(m, "%s\t%8lu kB\n", name, kb(pages));
}

void proc_pid_status(struct seq_file *m, struct task_struct *task)
{
	struct task_struct *parent = task->parent;
	seq_printf(m, "Name:\t%s\n", task->comm);
	seq_printf(m, "Umask:\t%04o\n", task->fs ? task->fs->umask : 022);
	seq_printf(m, "State:\t%s\n", task_state(task));
	seq_printf(m, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", task->tgid,
		   task->pid, parent ? parent->tgid : 0);
	seq_puts(m, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
	seq_printf(m, "FDSize:\t%u\n", task->files ? task->files->max_fds : 0);
	seq_puts(m, "Groups:\t\n");
	seq_printf(m, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\nKthread:\t0\n", task->tgid,
		   task->pid, task->pgid, task->sid);
	struct mm_struct *mm = task->mm;
	if (mm) {
		struct vm_counts c;
		count_vm(mm, &c);
		uint64_t rss = get_mm_rss(mm);
		uint64_t text = MIN(c.exec, (PAGE_ALIGN(mm->end_code) - ALIGN_DOWN(mm->start_code, PAGE_SIZE)) >> PAGE_SHIFT);
		show_val_kb(m, "VmPeak:", MAX(mm->hiwater_vm, mm->total_vm));
		show_val_kb(m, "VmSize:", mm->total_vm);
		show_val_kb(m, "VmLck:", mm->locked_vm);
		show_val_kb(m, "VmPin:", 0);
		show_val_kb(m, "VmHWM:", MAX(mm->hiwater_rss, rss));
		show_val_kb(m, "VmRSS:", rss);
		show_val_kb(m, "RssAnon:", mm->rss_stat[MM_ANONPAGES]);
		show_val_kb(m, "RssFile:", mm->rss_stat[MM_FILEPAGES]);
		show_val_kb(m, "RssShmem:", mm->rss_stat[MM_SHMEMPAGES]);
		show_val_kb(m, "VmData:", c.data);
		show_val_kb(m, "VmStk:", c.stack);
		show_val_kb(m, "VmExe:", text);
		show_val_kb(m, "VmLib:", c.exec - text);
		show_val_kb(m, "VmPTE:", mm->pgtables_bytes >> PAGE_SHIFT);
		show_val_kb(m, "VmSwap:", 0);
		seq_puts(m, "HugetlbPages:\t       0 kB\n");
	}
	seq_printf(m, "CoreDumping:\t0\nTHP_enabled:\t1\nThreads:\t1\nSigQ:\t0/0\n");
	seq_printf(m, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n", (uint64_t)task->pending,
		   (uint64_t)task->pending, (uint64_t)task->blocked);
	uint64_t ign = 0, cgt = 0;
	for (int s = 1; s < _NSIG; s++) {
		uint64_t h = (uint64_t)task->sigactions[s - 1].handler;
		if (h == 1)
			ign |= 1ULL << (s - 1);
		else if (h > 1)
			cgt |= 1ULL << (s - 1);
	}
	seq_printf(m, "SigIgn:\t%016lx\nSigCgt:\t%016lx\n", ign, cgt);
	seq_puts(m, "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
		    "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n"
		    "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n"
		    "Seccomp_filters:\t0\nSpeculation_Store_Bypass:\tvulnerable\n"
		    "SpeculationIndirectBranch:\talways enabled\n"
		    "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n"
		    "Mems_allowed:\t1\nMems_allowed_list:\t0\n"
		    "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

#define USER_HZ 100

void proc_pid_stat(struct seq_file *m, struct task_struct *task)
{
	struct mm_struct *mm = task->mm;
	struct mm_struct empty = {0};
	if (!mm)
		mm = &empty;
	uint64_t ign = 0, cgt = 0;
	for (int s = 1; s < _NSIG; s++) {
		uint64_t h = (uint64_t)task->sigactions[s - 1].handler;
		if (h == 1)
			ign |= 1ULL << (s - 1);
		else if (h > 1)
			cgt |= 1ULL << (s - 1);
	}
	seq_printf(m, "%d (%s) %c %d %d %d 0 -1 %u %lu 0 %lu 0 0 0 0 0 20 0 1 0 %lu %lu %lu %lu",
		   task->pid, task->comm, task_state(task)[0],
		   task->parent ? task->parent->tgid : 0, task->pgid, task->sid, 0x400000u,
		   task->min_flt, task->maj_flt, task->start_time_ns / (1000000000 / USER_HZ),
		   mm->total_vm << PAGE_SHIFT, get_mm_rss(mm), (uint64_t)-1);
	seq_printf(m, " %lu %lu %lu 0 0 %lu %lu %lu %lu 0 0 0 %d 0 0 0 0 0 0", mm->start_code,
		   mm->end_code, mm->start_stack, (uint64_t)task->pending, (uint64_t)task->blocked,
		   ign, cgt, task->exit_signal);
	seq_printf(m, " %lu %lu %lu %lu %lu %lu %lu %d\n", mm->start_data, mm->end_data,
		   mm->start_brk, mm->arg_start, mm->arg_end, mm->env_start, mm->env_end,
		   task->state == TASK_ZOMBIE ? task->exit_code : 0);
}

void proc_pid_statm(struct seq_file *m, struct task_struct *task)
{
	struct mm_struct *mm = task->mm;
	if (!mm) {
		seq_puts(m, "0 0 0 0 0 0 0\n");
		return;
	}
	struct vm_counts c;
	count_vm(mm, &c);
	uint64_t shared = mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_SHMEMPAGES];
	uint64_t text = (PAGE_ALIGN(mm->end_code) - ALIGN_DOWN(mm->start_code, PAGE_SIZE)) >> PAGE_SHIFT;
	seq_printf(m, "%lu %lu %lu %lu 0 %lu 0\n", mm->total_vm, get_mm_rss(mm), shared, text,
		   c.data + c.stack);
}

/* The argument strings, NUL-separated, read from the process's memory
 * up to the first page that is not present (nothing is faulted in). */
static void proc_pid_cmdline(struct seq_file *m, struct task_struct *task)
{
	struct mm_struct *mm = task->mm;
	if (!mm)
		return;
	char buf[256];
	for (uint64_t va = mm->arg_start; va < mm->arg_end;) {
		size_t want = MIN(sizeof(buf), mm->arg_end - va);
		size_t got = access_remote_vm(mm, va, buf, want);
		for (size_t i = 0; i < got; i++)
			seq_putc(m, buf[i]);
		if (got < want)
			return;
		va += got;
	}
}

static void proc_pid_comm(struct seq_file *m, struct task_struct *task)
{
	seq_printf(m, "%s\n", task->comm);
}

static const struct proc_entry pid_entries[] = {
	{.name = "cmdline", .mode = S_IFREG | 0444, .show = proc_pid_cmdline},
	{.name = "comm", .mode = S_IFREG | 0644, .show = proc_pid_comm},
	{.name = "cwd", .mode = S_IFLNK | 0777, .readlink = proc_cwd_readlink},
	{.name = "exe", .mode = S_IFLNK | 0777, .readlink = proc_exe_readlink},
	{.name = "maps", .mode = S_IFREG | 0444, .show = proc_pid_maps},
	{.name = "smaps", .mode = S_IFREG | 0444, .show = proc_pid_smaps},
	{.name = "stat", .mode = S_IFREG | 0444, .show = proc_pid_stat},
	{.name = "statm", .mode = S_IFREG | 0444, .show = proc_pid_statm},
	{.name = "status", .mode = S_IFREG | 0444, .show = proc_pid_status},
	{.name = "vmstat", .mode = S_IFREG | 0444, .show = proc_pid_vmstat},
};

const struct proc_entry proc_pid_entry = {
	.name = "",
	.mode = S_IFDIR | 0555,
	.children = pid_entries,
	.nr_children = ARRAY_SIZE(pid_entries),
};

/* --- /proc/sys/vm --- */
static uint64_t sysctl_overcommit_memory, sysctl_mmap_min_addr = MMAP_MIN_ADDR;
static uint64_t sysctl_max_map_count = 65530, sysctl_overcommit_ratio = 50;

static void show_u64(struct seq_file *m, uint64_t v)
{
	seq_printf(m, "%lu\n", v);
}

static int parse_u64(const char *buf, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = buf;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	while (*p == ' ' || *p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*out = v;
	return 0;
}

#define SYSCTL(var)                                                       \
	static void show_##var(struct seq_file *m, struct task_struct *t) \
	{                                                                 \
		(void)t;                                                  \
		show_u64(m, sysctl_##var);                                \
	}                                                                 \
	static int write_##var(const char *buf, size_t len)               \
	{                                                                 \
		(void)len;                                                \
		return parse_u64(buf, &sysctl_##var);                     \
	}
SYSCTL(overcommit_memory)
SYSCTL(mmap_min_addr)
SYSCTL(max_map_count)
SYSCTL(overcommit_ratio)

static const struct proc_entry vm_entries[] = {
	{.name = "max_map_count", .mode = S_IFREG | 0644, .show = show_max_map_count, .write = write_max_map_count},
	{.name = "mmap_min_addr", .mode = S_IFREG | 0644, .show = show_mmap_min_addr, .write = write_mmap_min_addr},
	{.name = "overcommit_memory", .mode = S_IFREG | 0644, .show = show_overcommit_memory, .write = write_overcommit_memory},
	{.name = "overcommit_ratio", .mode = S_IFREG | 0644, .show = show_overcommit_ratio, .write = write_overcommit_ratio},
};

/* --- /proc/umbra: the VMM's tools (docs/dump-format.md) and counters (umbra.c) --- */

/* A write asks the VMM for a dump of the writer's page tables (the user
 * half), labelled with what was written (up to the first newline). */
static int write_umbra_dump(const char *buf, size_t len)
{
	static char label[UMBRA_DUMP_LABEL_MAX];
	size_t n = 0;
	while (n < len && n < sizeof(label) && buf[n] != '\n')
		n++;
	memcpy(label, buf, n);
	long r = hc_dump(current->mm->pgd, label, n, UMBRA_DUMP_USER_ONLY);
	return r < 0 ? (int)r : 0;
}

/* The balloon (drivers/balloon.c): its size in pages; a write sets the
 * target (root only, as Linux's sysctls). */
static void show_umbra_balloon(struct seq_file *m, struct task_struct *t)
{
	(void)t;
	show_u64(m, balloon_pages());
}

static int write_umbra_balloon(const char *buf, size_t len)
{
	uint64_t target;
	(void)len;
	int r = parse_u64(buf, &target);
	return r ? r : balloon_set_target(target);
}

static const struct proc_entry umbra_entries[] = {
	{.name = "balloon", .mode = S_IFREG | 0644, .show = show_umbra_balloon,
	 .write = write_umbra_balloon},
	{.name = "dump", .mode = S_IFREG | 0222, .write = write_umbra_dump},
	{.name = "stats", .mode = S_IFREG | 0444, .show = proc_umbra_stats},
};

static const struct proc_entry sys_entries[] = {
	{.name = "vm", .mode = S_IFDIR | 0555, .children = vm_entries, .nr_children = ARRAY_SIZE(vm_entries)},
};

const struct proc_entry proc_root_entries[] = {
	{.name = "meminfo", .mode = S_IFREG | 0444, .show = proc_meminfo_show},
	{.name = "self", .mode = S_IFLNK | 0777, .readlink = proc_self_readlink},
	{.name = "sys", .mode = S_IFDIR | 0555, .children = sys_entries, .nr_children = ARRAY_SIZE(sys_entries)},
	{.name = "umbra", .mode = S_IFDIR | 0555, .children = umbra_entries, .nr_children = ARRAY_SIZE(umbra_entries)},
	{.name = "vmstat", .mode = S_IFREG | 0444, .show = proc_vmstat_show},
};
const unsigned int proc_root_nr_entries = ARRAY_SIZE(proc_root_entries);
