// SPDX-License-Identifier: MIT
/*
 * Tasks. Only init exists so far: when it ends, the VM ends with its
 * status, as a shell would report it. (Interim: fork, the scheduler and
 * signal delivery come next.)
 */
#include "errno.h"
#include "fs.h"
#include "hypercall.h"
#include "mm.h"
#include "page.h"
#include "pmm.h"
#include "printk.h"
#include "ptrace.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "x86.h"

LIST_HEAD(task_list);
static int next_pid = 1;

struct task_struct *find_task_by_pid(int pid)
{
	struct task_struct *p;
	for_each_process(p)
		if (p->pid == pid && p->state != TASK_DEAD)
			return p;
	return NULL;
}

/* The first task, made at boot: no memory then is a broken VM. */
struct task_struct *create_init_task(const char *path)
{
	struct task_struct *p = kzalloc(sizeof(*p));
	phys_addr_t kstack = alloc_pages(KSTACK_PAGES);
	struct mm_struct *mm = mm_alloc();
	if (!p || !kstack || !mm)
		panic("out of memory creating process %s", path);
	p->mm = mm;
	p->pid = p->tgid = p->pgid = p->sid = next_pid++;
	p->state = TASK_RUNNING;
	memcpy(p->path, path, strnlen(path, sizeof(p->path) - 1));
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	memcpy(p->comm, base, strnlen(base, sizeof(p->comm) - 1));
	p->kstack_top = (uint64_t)__va(kstack) + KSTACK_PAGES * PAGE_SIZE;
	INIT_LIST_HEAD(&p->children);
	INIT_LIST_HEAD(&p->sibling);
	INIT_LIST_HEAD(&p->run_list);
	list_add_tail(&p->tasks, &task_list);
	return p;
}

void switch_to_task(struct task_struct *p)
{
	current = p;
	switch_mm(p->mm);
	set_kernel_stack(p->kstack_top);
	wrmsr(MSR_FS_BASE, p->thread.fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, p->thread.gs_base);
}

struct pt_regs *task_pt_regs(struct task_struct *p)
{
	return (struct pt_regs *)(p->kstack_top - sizeof(struct pt_regs));
}

/* wait(2) status encoding: exit code in bits 8..15, or the killing signal. */
#define WTERMSIG(s) ((s) & 0x7f)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)

void do_exit(int wait_status)
{
	struct task_struct *p = current;
	unsigned int status = WTERMSIG(wait_status) ? 128 + WTERMSIG(wait_status)
						    : WEXITSTATUS(wait_status);
	if (!WTERMSIG(wait_status))
		pr_info("%s (pid %d) exited with status %u", p->path, p->pid, status);
	/* init is the only process: its end is the VM's. */
	vm_events_show();
	hc_exit(status);
}

void force_sig_fault(int sig, int si_code, uint64_t addr)
{
	(void)si_code;
	pr_err("%s: killed by signal %d (%s) at rip=%#lx addr=%#lx", current->path, sig,
	       signal_name(sig), task_pt_regs(current)->rip, addr);
	do_exit(sig);
}

SYSCALL_DEFINE0(getpid)
{
	return current->tgid;
}

SYSCALL_DEFINE0(gettid)
{
	return current->pid;
}

/* init's parent is outside the VM, as on Linux (0). */
SYSCALL_DEFINE0(getppid)
{
	return current->parent ? current->parent->tgid : 0;
}

SYSCALL_DEFINE1(set_tid_address, uint64_t, tidptr)
{
	current->clear_child_tid = tidptr;
	return current->pid;
}

SYSCALL_DEFINE1(exit, int, code)
{
	do_exit((code & 0xff) << 8);
}

/* Without threads, ending the group is ending the process. */
SYSCALL_DEFINE1(exit_group, int, code)
{
	do_exit((code & 0xff) << 8);
}
