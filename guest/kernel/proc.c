// SPDX-License-Identifier: MIT
/* Process creation and death. Only init exists so far: when it ends, the
 * VM ends with its status, as a shell would report it. */
#include "hypercall.h"
#include "mm.h"
#include "page.h"
#include "percpu.h"
#include "pmm.h"
#include "printk.h"
#include "proc.h"
#include "ptrace.h"
#include "string.h"
#include "syscall.h"
#include "x86.h"

static int next_pid = 1;

struct proc *proc_create(const char *path)
{
	_Static_assert(sizeof(struct proc) <= PAGE_SIZE, "struct proc fits a page");
	phys_addr_t pa = alloc_zeroed_page();
	phys_addr_t kstack = alloc_pages(KSTACK_PAGES);
	struct mm_struct *mm = mm_alloc();
	/* Only init is created, at boot: no memory then is a broken VM. */
	if (!pa || !kstack || !mm)
		panic("out of memory creating process %s", path);
	struct proc *p = __va(pa);
	p->mm = mm;
	p->pid = next_pid++;
	memcpy(p->path, path, strnlen(path, sizeof(p->path) - 1));
	p->kstack_top = (uint64_t)__va(kstack) + KSTACK_PAGES * PAGE_SIZE;
	return p;
}

void proc_switch_to(struct proc *p)
{
	current = p;
	switch_mm(p->mm);
	set_kernel_stack(p->kstack_top);
	wrmsr(MSR_FS_BASE, p->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, p->gs_base);
}

struct pt_regs *proc_user_regs(struct proc *p)
{
	return (struct pt_regs *)(p->kstack_top - sizeof(struct pt_regs));
}

/* wait(2) status encoding: exit code in bits 8..15, or the killing signal. */
#define WTERMSIG(s) ((s) & 0x7f)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)

void do_exit(int wait_status)
{
	struct proc *p = current;
	unsigned int status = WTERMSIG(wait_status) ? 128 + WTERMSIG(wait_status)
						    : WEXITSTATUS(wait_status);
	if (!WTERMSIG(wait_status))
		pr_info("%s (pid %d) exited with status %u", p->path, p->pid, status);
	/* init is the only process: its end is the VM's. */
	hc_exit(status);
}

void force_sig_fault(int sig, const struct pt_regs *regs, uint64_t addr)
{
	pr_err("%s: killed by signal %d (%s) at rip=%#lx addr=%#lx", current->path, sig,
	       signal_name(sig), regs->rip, addr);
	do_exit(sig);
}

SYSCALL_DEFINE0(getpid)
{
	return current->pid;
}

/* There are no threads yet: the thread id is the process id. */
SYSCALL_DEFINE0(gettid)
{
	return current->pid;
}

/* init's parent is outside the VM, as on Linux (0). */
SYSCALL_DEFINE0(getppid)
{
	return 0;
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
