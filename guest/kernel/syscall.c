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

/* Each unknown number is reported once. Numbers past the bitmap are
 * remembered in a short list; once it is full they are no longer reported. */
#define UNKNOWN_BITMAP_BITS 512
#define UNKNOWN_LARGE_MAX 16

static bool already_reported(uint64_t nr)
{
	static uint64_t bitmap[UNKNOWN_BITMAP_BITS / 64];
	static uint64_t large[UNKNOWN_LARGE_MAX];
	static unsigned int nr_large;

	if (nr < UNKNOWN_BITMAP_BITS) {
		bool seen = bitmap[nr / 64] & (1UL << (nr % 64));
		bitmap[nr / 64] |= 1UL << (nr % 64);
		return seen;
	}
	for (unsigned int i = 0; i < nr_large; i++)
		if (large[i] == nr)
			return true;
	if (nr_large == UNKNOWN_LARGE_MAX)
		return true;
	large[nr_large++] = nr;
	return false;
}

static void report_unknown(uint64_t nr)
{
	if (!already_reported(nr))
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
	case __NR_mprotect:
		ret = sys_mprotect(r->rdi, r->rsi, r->rdx);
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
