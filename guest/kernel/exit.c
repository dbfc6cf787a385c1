// SPDX-License-Identifier: MIT
/*
 * Ending tasks and waiting for them: exit drops the files and cwd at once
 * and the address space once the task is off the CPU (sched.c), hands the
 * children to init, and leaves a zombie with the wait status for the
 * parent (or none when the parent ignores SIGCHLD). wait4 and waitid reap
 * zombies and report stops and continues. init's end is the VM's end.
 */
#include "errno.h"
#include "fs.h"
#include "hypercall.h"
#include "mm.h"
#include "printk.h"
#include "ptrace.h"
#include "resource.h"
#include "sched.h"
#include "smp.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"

#define WNOHANG 0x00000001
#define WUNTRACED 0x00000002
#define WSTOPPED WUNTRACED
#define WEXITED 0x00000004
#define WCONTINUED 0x00000008
#define WNOWAIT 0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define P_PIDFD 3

/* wait(2) status encoding: exit code in bits 8..15, or the killing signal. */
#define WTERMSIG(s) ((s) & 0x7f)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)

void release_task_count(void);

static struct task_struct *init_task(void)
{
	return find_task_by_pid(1);
}

/* Frees a reaped zombie (its stack and mm went when it left the CPU). */
static void release_task(struct task_struct *p)
{
	list_del(&p->sibling);
	p->state = TASK_DEAD;
	release_task_count();
	if (!p->kstack_top) {
		list_del(&p->tasks);
		kfree(p);
	}
	/* else: it has not left the CPU yet; finish_task_switch frees it. */
}

/* SIGCHLD for the parent of p, which has just become a zombie. Returns
 * true when the parent does not want it (SIG_IGN or SA_NOCLDWAIT): p is
 * reaped at once. */
static bool do_notify_parent(struct task_struct *p)
{
	struct task_struct *parent = p->parent;
	int status = p->exit_code;
	struct kernel_siginfo info = {.si_signo = p->exit_signal};
	info.si_pid = p->tgid;
	info.si_uid = p->uid;
	info.si_code = WTERMSIG(status) ? CLD_KILLED : CLD_EXITED;
	info.si_status = WTERMSIG(status) ? WTERMSIG(status) : WEXITSTATUS(status);
	info.si_utime = p->utime_ns / 10000000;
	info.si_stime = p->stime_ns / 10000000;

	const struct k_sigaction *ka = &parent->sigactions[SIGCHLD - 1];
	bool autoreap = p->exit_signal == SIGCHLD &&
			(ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT));
	if (p->exit_signal && !autoreap)
		send_signal_info(p->exit_signal, &info, parent);
	wake_up_process(parent);
	return autoreap;
}

/* The children of p go to init; init is told of those already dead. */
static void forget_original_parent(struct task_struct *p)
{
	struct task_struct *reaper = init_task(), *c, *n;
	list_for_each_entry_safe(c, n, &p->children, sibling) {
		list_del(&c->sibling);
		c->parent = reaper;
		c->exit_signal = SIGCHLD;
		list_add_tail(&c->sibling, &reaper->children);
		if (c->state == TASK_ZOMBIE && do_notify_parent(c))
			release_task(c);
	}
}

/* vfork: the parent may go on once the child has its own mm or is gone. */
void mm_release(struct task_struct *p)
{
	if (p->vfork_parent) {
		wake_up_process(p->vfork_parent);
		p->vfork_parent = NULL;
	}
}

__noreturn void do_exit(int wait_status)
{
	struct task_struct *p = current;

	if (p->pid == 1) {
		unsigned int status = WTERMSIG(wait_status) ? 128 + WTERMSIG(wait_status)
							    : WEXITSTATUS(wait_status);
		if (!WTERMSIG(wait_status))
			pr_info("%s (pid %d) exited with status %u", p->path, p->pid, status);
		/* init's end is the VM's. */
		vm_events_show();
		smp_stats_show();
		hc_exit(status);
	}
	p->flags |= PF_EXITING;
	p->it_real_expires = 0;
	flush_signals(p);
	exit_files(p);
	exit_fs(p);
	mm_release(p);
	/* The page tables are in use until the switch away (sched.c). */
	p->exit_mm = p->mm;
	p->mm = NULL;

	forget_original_parent(p);
	p->exit_code = wait_status;
	p->state = TASK_ZOMBIE;
	if (do_notify_parent(p)) {
		list_del(&p->sibling);
		p->state = TASK_DEAD;
		release_task_count();
	}
	schedule();
	panic("a dead task ran again");
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

/* --- wait ---------------------------------------------------------------- */

struct wait_opts {
	int type;     /* P_ALL, P_PID, P_PGID */
	int id;
	int options;
	/* out */
	int status;   /* wait(2) status */
	int pid;
	int cld_code; /* CLD_* for waitid */
	unsigned int uid;
	struct rusage_k ru;
};

static bool wait_matches(const struct wait_opts *wo, const struct task_struct *c)
{
	switch (wo->type) {
	case P_PID:
		return c->pid == wo->id;
	case P_PGID:
		return c->pgid == wo->id;
	}
	return true;
}

static void fill_rusage(struct rusage_k *ru, const struct task_struct *c)
{
	memset(ru, 0, sizeof(*ru));
	ns_to_tv(c->utime_ns + c->cutime_ns, ru->ru_utime);
	ns_to_tv(c->stime_ns + c->cstime_ns, ru->ru_stime);
	ru->ru_minflt = c->min_flt;
	ru->ru_majflt = c->maj_flt;
	ru->ru_nvcsw = c->nvcsw;
	ru->ru_nivcsw = c->nivcsw;
}

/* One pass over the children: 1 with wo filled, 0 when some child matched
 * but has nothing to report, -ECHILD when none matched. */
static int wait_scan(struct wait_opts *wo)
{
	struct task_struct *me = current, *c, *n;
	bool matched = false;
	list_for_each_entry_safe(c, n, &me->children, sibling) {
		if (!wait_matches(wo, c))
			continue;
		matched = true;
		wo->pid = c->pid;
		wo->uid = c->uid;
		if (c->state == TASK_ZOMBIE && (wo->options & WEXITED)) {
			wo->status = c->exit_code;
			wo->cld_code = WTERMSIG(c->exit_code) ? CLD_KILLED : CLD_EXITED;
			fill_rusage(&wo->ru, c);
			if (!(wo->options & WNOWAIT)) {
				me->cutime_ns += c->utime_ns + c->cutime_ns;
				me->cstime_ns += c->stime_ns + c->cstime_ns;
				release_task(c);
			}
			return 1;
		}
		if (c->state == TASK_STOPPED && c->stop_report && (wo->options & WSTOPPED)) {
			wo->status = c->stop_report;
			wo->cld_code = CLD_STOPPED;
			fill_rusage(&wo->ru, c);
			if (!(wo->options & WNOWAIT))
				c->stop_report = 0;
			return 1;
		}
		if (c->continued_report && (wo->options & WCONTINUED)) {
			wo->status = 0xffff;
			wo->cld_code = CLD_CONTINUED;
			fill_rusage(&wo->ru, c);
			if (!(wo->options & WNOWAIT))
				c->continued_report = false;
			return 1;
		}
	}
	return matched ? 0 : -ECHILD;
}

static long do_wait(struct wait_opts *wo)
{
	struct task_struct *me = current;
	for (;;) {
		int r = wait_scan(wo);
		if (r)
			return r;
		if (wo->options & WNOHANG)
			return 0;
		if (signal_pending(me))
			return -ERESTARTSYS;
		me->state = TASK_INTERRUPTIBLE;
		schedule();
		me->state = TASK_RUNNING;
	}
}

SYSCALL_DEFINE4(wait4, int, upid, uint64_t, stat_addr, int, options, uint64_t, ru)
{
	struct wait_opts wo = {0};
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (upid == INT32_MIN)
		return -ESRCH;
	if (upid == -1) {
		wo.type = P_ALL;
	} else if (upid < 0) {
		wo.type = P_PGID;
		wo.id = -upid;
	} else if (upid == 0) {
		wo.type = P_PGID;
		wo.id = current->pgid;
	} else {
		wo.type = P_PID;
		wo.id = upid;
	}
	wo.options = options | WEXITED;
	long r = do_wait(&wo);
	if (r <= 0)
		return r;
	if (stat_addr && copy_to_user(stat_addr, &wo.status, sizeof(int)))
		return -EFAULT;
	if (ru && copy_to_user(ru, &wo.ru, sizeof(wo.ru)))
		return -EFAULT;
	return wo.pid;
}

SYSCALL_DEFINE5(waitid, int, which, int, upid, uint64_t, infop, int, options, uint64_t, ru)
{
	struct wait_opts wo = {0};
	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD |
			__WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	switch (which) {
	case P_ALL:
		break;
	case P_PID:
	case P_PGID:
		if (upid < 0 || (which == P_PID && upid == 0))
			return -EINVAL;
		wo.id = which == P_PGID && upid == 0 ? current->pgid : upid;
		break;
	default:
		return -EINVAL;
	}
	wo.type = which;
	wo.options = options;
	long r = do_wait(&wo);
	if (r < 0)
		return r;
	if (infop) {
		struct kernel_siginfo info = {0};
		if (r > 0) {
			info.si_signo = SIGCHLD;
			info.si_code = wo.cld_code;
			info.si_pid = wo.pid;
			info.si_uid = wo.uid;
			info.si_status = wo.cld_code == CLD_EXITED ? WEXITSTATUS(wo.status)
				       : wo.cld_code == CLD_KILLED ? WTERMSIG(wo.status)
				       : wo.cld_code == CLD_CONTINUED ? SIGCONT
								      : (wo.status >> 8) & 0x7f;
		}
		if (copy_to_user(infop, &info, sizeof(info)))
			return -EFAULT;
	}
	if (ru && r > 0 && copy_to_user(ru, &wo.ru, sizeof(wo.ru)))
		return -EFAULT;
	return 0;
}
