// SPDX-License-Identifier: MIT
/* The arch part of tasks: the context switch, a child's first kernel stack,
 * and arch_prctl (the user FS and GS bases, TLS). */
#include "errno.h"
#include "mm.h"
#include "page.h"
#include "percpu.h"
#include "processor.h"
#include "ptrace.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"
#include "shadow_pv.h"
#include "x86.h"

struct task_struct *__switch_to_asm(uint64_t *prev_rsp, uint64_t next_rsp,
				    struct task_struct *prev);
void ret_from_fork(void);

struct task_struct *__switch_to(struct task_struct *prev, struct task_struct *next)
{
	fpu_save(prev->thread.fpu);
	fpu_restore(next->thread.fpu);
	set_kernel_stack(next->kstack_top);
	if (next->mm)
		switch_mm(next->mm);
	wrmsr(MSR_FS_BASE, next->thread.fs_base);
	/* In the kernel, the user GS base is the swapped-out one. */
	wrmsr(MSR_KERNEL_GS_BASE, next->thread.gs_base);
	current = next;
	uint64_t next_rsp = next->thread.rsp;
	if (shadow_paging)
		shadow_prepare_switch(&prev->thread.rsp, next->kstack_top);
	return __switch_to_asm(&prev->thread.rsp, next_rsp, prev);
}

/* What __switch_to_asm pops for a task that never ran: callee-saved
 * registers, then the return address. */
struct fork_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp, ret_addr;
};

int copy_thread(struct task_struct *p, const struct pt_regs *regs)
{
	p->thread.fpu = kmalloc(FXSAVE_SIZE);
	if (!p->thread.fpu)
		return -ENOMEM;
	/* The parent's live FPU registers are its user state. */
	fpu_save(p->thread.fpu);
	p->thread.fs_base = current->thread.fs_base;
	p->thread.gs_base = current->thread.gs_base;

	struct pt_regs *child = task_pt_regs(p);
	*child = *regs;
	child->rax = 0; /* fork returns 0 in the child */
	struct fork_frame *frame = (struct fork_frame *)child - 1;
	memset(frame, 0, sizeof(*frame));
	frame->ret_addr = (uint64_t)ret_from_fork;
	p->thread.rsp = (uint64_t)frame;
	return 0;
}

void ret_from_idle_start(void);

/* An idle task's first switch lands in ret_from_idle_start with RSP 16-byte
 * aligned less 8, as after a call (one slot above the frame). Another CPU's
 * idle task starts on the empty stack instead (smpboot.c). */
void copy_idle_thread(struct task_struct *p)
{
	struct fork_frame *frame = (struct fork_frame *)(p->kstack_top - 8) - 1;
	memset(frame, 0, sizeof(*frame));
	frame->ret_addr = (uint64_t)ret_from_idle_start;
	p->thread.rsp = (uint64_t)frame;
}

void exit_thread(struct task_struct *p)
{
	kfree(p->thread.fpu);
	p->thread.fpu = NULL;
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

SYSCALL_DEFINE2(arch_prctl, uint64_t, code, uint64_t, addr)
{
	struct task_struct *p = current;

	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		/* A base in the kernel half would let user mode address it. */
		if (addr >= TASK_SIZE)
			return -EPERM;
		if (code == ARCH_SET_FS) {
			p->thread.fs_base = addr;
			wrmsr(MSR_FS_BASE, addr);
		} else {
			p->thread.gs_base = addr;
			/* In the kernel, the user GS base is the swapped-out one. */
			wrmsr(MSR_KERNEL_GS_BASE, addr);
		}
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(addr, &p->thread.fs_base, sizeof(p->thread.fs_base));
	case ARCH_GET_GS:
		return copy_to_user(addr, &p->thread.gs_base, sizeof(p->thread.gs_base));
	}
	return -EINVAL;
}
