// SPDX-License-Identifier: MIT
/* System call dispatch, Linux x86-64 numbering and return convention. */
#include "errno.h"
#include "mm.h"
#include "percpu.h"
#include "printk.h"
#include "proc.h"
#include "ptrace.h"
#include "signal.h"
#include "syscall.h"

static long sys_getpid(void)
{
	return current->pid;
}

/* There are no threads yet: the thread id is the process id. */
static long sys_gettid(void)
{
	return current->pid;
}

/* init's parent is outside the VM, as on Linux (0). */
static long sys_getppid(void)
{
	return 0;
}

static long sys_set_tid_address(uint64_t tidptr)
{
	current->clear_child_tid = tidptr;
	return current->pid;
}

/* Each unknown number is reported once; numbers past 511 share one report. */
#define UNKNOWN_TRACKED 512

static void report_unknown(uint64_t nr)
{
	static uint64_t reported[UNKNOWN_TRACKED / 64];
	static bool reported_big;
	if (nr < UNKNOWN_TRACKED) {
		if (reported[nr / 64] & (1UL << (nr % 64)))
			return;
		reported[nr / 64] |= 1UL << (nr % 64);
	} else {
		if (reported_big)
			return;
		reported_big = true;
	}
	pr_warn("unknown syscall %lu", nr);
}

/* Arguments arrive in RDI, RSI, RDX, R10, R8, R9; the result goes in RAX. */
void do_syscall_64(struct pt_regs *r)
{
	uint64_t nr = r->rax;
	long ret;

	switch (nr) {
	case __NR_write:
		ret = sys_write(r->rdi, r->rsi, r->rdx);
		break;
	case __NR_mmap:
		ret = sys_mmap(r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9);
		break;
	case __NR_munmap:
		ret = sys_munmap(r->rdi, r->rsi);
		break;
	case __NR_brk:
		ret = sys_brk(r->rdi);
		break;
	case __NR_rt_sigaction:
		ret = sys_rt_sigaction(r->rdi, r->rsi, r->rdx, r->r10);
		break;
	case __NR_rt_sigprocmask:
		ret = sys_rt_sigprocmask(r->rdi, r->rsi, r->rdx, r->r10);
		break;
	case __NR_ioctl:
		ret = sys_ioctl(r->rdi, r->rsi, r->rdx);
		break;
	case __NR_writev:
		ret = sys_writev(r->rdi, r->rsi, r->rdx);
		break;
	case __NR_getpid:
		ret = sys_getpid();
		break;
	case __NR_getppid:
		ret = sys_getppid();
		break;
	case __NR_gettid:
		ret = sys_gettid();
		break;
	case __NR_arch_prctl:
		ret = sys_arch_prctl(r->rdi, r->rsi);
		break;
	case __NR_set_tid_address:
		ret = sys_set_tid_address(r->rdi);
		break;
	case __NR_exit:
	/* Without threads, ending the group is ending the process. */
	case __NR_exit_group:
		do_exit((r->rdi & 0xff) << 8);
	default:
		report_unknown(nr);
		ret = -ENOSYS;
		break;
	}
	r->rax = ret;
}
