// SPDX-License-Identifier: MIT
/*
 * Signals as Linux's kernel/signal.c: queued per task with their siginfo
 * (a standard signal at most once, a real-time one per kill), delivered
 * on the way back to user mode: a handler gets an rt_sigframe
 * (arch/x86/signal.c); otherwise the default action ignores, stops,
 * continues or ends the process. Interrupted system calls restart or
 * fail with EINTR by their -ERESTART* code and the handler's SA_RESTART.
 */
#include "balloon.h"
#include "errno.h"
#include "fs.h"
#include "percpu.h"
#include "printk.h"
#include "ptrace.h"
#include "sched.h"
#include "shadow_pv.h"
#include "signal.h"
#include "smp.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"
#include "x86.h"

#define SIG_KILL_STOP (sigmask(SIGKILL) | sigmask(SIGSTOP))
#define __NR_restart_syscall 219
/* Default action classes (Linux's sig_kernel_* masks). */
#define SIG_KERNEL_IGNORE_MASK \
	(sigmask(SIGCONT) | sigmask(SIGCHLD) | sigmask(SIGWINCH) | sigmask(SIGURG))
#define SIG_KERNEL_STOP_MASK \
	(sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU))
/* Synchronous (fault) signals are dequeued first, as Linux does. */
#define SYNCHRONOUS_MASK                                                        \
	(sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) | sigmask(SIGTRAP) | \
	 sigmask(SIGFPE) | sigmask(SIGSYS))

static const char *const signal_names[] = {
	[SIGHUP] = "SIGHUP",     [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",     [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",     [SIGFPE] = "SIGFPE",       [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1",   [SIGSEGV] = "SIGSEGV",     [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE",   [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",   [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP",   [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN",
	[SIGTTOU] = "SIGTTOU",   [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ",   [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
	[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",         [SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
};

const char *signal_name(int sig)
{
	if (sig > 0 && sig < (int)ARRAY_SIZE(signal_names) && signal_names[sig])
		return signal_names[sig];
	return sig >= SIGRTMIN && sig <= _NSIG ? "SIGRT" : "?";
}

static bool valid_signal(int64_t sig)
{
	return sig >= 0 && sig <= _NSIG;
}

bool signal_pending(struct task_struct *p)
{
	return p->pending & ~p->blocked;
}

bool fatal_signal_pending(struct task_struct *p)
{
	return p->pending & sigmask(SIGKILL);
}

static struct k_sigaction *sigaction_of(struct task_struct *p, int sig)
{
	return &p->sigactions[sig - 1];
}

/* The signal would do nothing: ignored and not blocked (a blocked signal
 * stays queued: the handler may change before it is unblocked). init
 * (PF_UNKILLABLE) ignores every signal it has no handler for, SIGKILL
 * included, as on Linux; a fault clears that, so it still ends init and
 * with it the VM. */
static bool sig_ignored(struct task_struct *p, int sig)
{
	if (p->blocked & sigmask(sig))
		return false;
	uint64_t h = sigaction_of(p, sig)->handler;
	if ((p->flags & PF_UNKILLABLE) && h == SIG_DFL)
		return true;
	return h == SIG_IGN || (h == SIG_DFL && (SIG_KERNEL_IGNORE_MASK & sigmask(sig)));
}

/* Removes every queued instance of the signals in mask. */
static void flush_sigqueue_mask(struct task_struct *p, sigset_t mask)
{
	struct sigqueue *q, *n;
	list_for_each_entry_safe(q, n, &p->sigqueue, list)
		if (mask & sigmask(q->info.si_signo)) {
			list_del(&q->list);
			kfree(q);
			p->nr_sigqueue--;
		}
	p->pending &= ~mask;
}

void flush_signals(struct task_struct *p)
{
	flush_sigqueue_mask(p, ~0UL);
}

void flush_signal_handlers(struct task_struct *p)
{
	for (int sig = 1; sig <= _NSIG; sig++) {
		struct k_sigaction *ka = sigaction_of(p, sig);
		if (ka->handler != SIG_IGN)
			ka->handler = SIG_DFL;
		ka->flags = 0;
		ka->restorer = 0;
		ka->mask = 0;
	}
	p->sas_ss_sp = p->sas_ss_size = 0;
	p->sas_ss_flags = SS_DISABLE;
}

/* Wakes p if sig should end its sleep: an unblocked signal ends an
 * interruptible sleep; SIGKILL ends any (and a stop). A task running in
 * user mode on another CPU is interrupted, to take it now. */
static void signal_wake_up(struct task_struct *p, int sig)
{
	if (sig == SIGKILL)
		wake_up_process(p);
	else if (p->state == TASK_INTERRUPTIBLE && !(p->blocked & sigmask(sig)))
		wake_up_process(p);
	else if (p->state == TASK_RUNNING)
		kick_process(p);
}

/* Stop and continue take effect when sent (Linux's prepare_signal). */
static void prepare_signal(int sig, struct task_struct *p)
{
	if (SIG_KERNEL_STOP_MASK & sigmask(sig)) {
		flush_sigqueue_mask(p, sigmask(SIGCONT));
	} else if (sig == SIGCONT) {
		flush_sigqueue_mask(p, SIG_KERNEL_STOP_MASK);
		if (p->state == TASK_STOPPED) {
			p->stop_report = 0;
			p->continued_report = true;
			wake_up_process(p);
			do_notify_parent_cldstop(p, CLD_CONTINUED);
		}
	}
}

int send_signal_info(int sig, struct kernel_siginfo *info, struct task_struct *p)
{
	if (p->state == TASK_ZOMBIE || p->state == TASK_DEAD || (p->flags & PF_EXITING))
		return 0;
	prepare_signal(sig, p);
	if (sig_ignored(p, sig))
		return 0;
	/* A standard signal already pending is not queued twice. */
	if (sig < SIGRTMIN && (p->pending & sigmask(sig)))
		return 0;
	/* Beyond RLIMIT_SIGPENDING only standard signals still count. */
	struct sigqueue *q = p->nr_sigqueue < task_rlimit(p, RLIMIT_SIGPENDING) ? kmalloc(sizeof(*q))
									       : NULL;
	if (q) {
		q->info = *info;
		list_add_tail(&q->list, &p->sigqueue);
		p->nr_sigqueue++;
	} else if (sig >= SIGRTMIN) {
		return -EAGAIN;
	}
	/* Without memory a standard signal is still pending, with bare info. */
	p->pending |= sigmask(sig);
	signal_wake_up(p, sig);
	return 0;
}

int send_sig(int sig, struct task_struct *p)
{
	struct kernel_siginfo info = {.si_signo = sig, .si_code = SI_KERNEL};
	return send_signal_info(sig, &info, p);
}

/* A signal the task cannot escape by blocking or ignoring it (faults):
 * such a signal goes back to SIG_DFL and is unblocked, as Linux's
 * force_sig_info does. */
static void force_sig_info(struct kernel_siginfo *info)
{
	struct task_struct *p = current;
	int sig = info->si_signo;
	struct k_sigaction *ka = sigaction_of(p, sig);
	if (ka->handler == SIG_IGN || (p->blocked & sigmask(sig))) {
		ka->handler = SIG_DFL;
		p->blocked &= ~sigmask(sig);
	}
	if (ka->handler == SIG_DFL)
		p->flags &= ~PF_UNKILLABLE;
	if (sig < SIGRTMIN && (p->pending & sigmask(sig)))
		return;
	struct sigqueue *q = kmalloc(sizeof(*q));
	if (q) {
		q->info = *info;
		list_add_tail(&q->list, &p->sigqueue);
		p->nr_sigqueue++;
	}
	p->pending |= sigmask(sig);
}

void force_sig_fault(int sig, int si_code, uint64_t addr)
{
	struct kernel_siginfo info = {.si_signo = sig, .si_code = si_code};
	info.si_addr = addr;
	if (sig == SIGKILL) {
		/* Out of memory in a fault: no OOM killer, the task dies. */
		pr_err("%s (pid %d): out of memory at %#lx", current->path, current->pid, addr);
	}
	force_sig_info(&info);
}

void force_sigsegv(void)
{
	struct kernel_siginfo info = {.si_signo = SIGSEGV, .si_code = SI_KERNEL};
	sigaction_of(current, SIGSEGV)->handler = SIG_DFL;
	force_sig_info(&info);
}

/* Takes the next signal of `allowed`: faults first, then the lowest. */
static int dequeue_signal(struct task_struct *p, sigset_t allowed, struct kernel_siginfo *info)
{
	sigset_t ready = p->pending & allowed;
	if (!ready)
		return 0;
	if (ready & SYNCHRONOUS_MASK)
		ready &= SYNCHRONOUS_MASK;
	int sig = __builtin_ctzl(ready) + 1;
	struct sigqueue *q, *found = NULL;
	bool more = false;
	list_for_each_entry(q, &p->sigqueue, list) {
		if (q->info.si_signo != sig)
			continue;
		if (found) {
			more = true;
			break;
		}
		found = q;
	}
	if (found) {
		*info = found->info;
		list_del(&found->list);
		kfree(found);
		p->nr_sigqueue--;
	} else {
		*info = (struct kernel_siginfo){.si_signo = sig, .si_code = SI_USER};
	}
	if (!more)
		p->pending &= ~sigmask(sig);
	return sig;
}

void do_notify_parent_cldstop(struct task_struct *p, int why)
{
	struct task_struct *parent = p->parent;
	if (!parent)
		return;
	wake_up_process(parent);
	if (sigaction_of(parent, SIGCHLD)->flags & SA_NOCLDSTOP)
		return;
	struct kernel_siginfo info = {.si_signo = SIGCHLD, .si_code = why};
	info.si_pid = p->tgid;
	info.si_uid = p->uid;
	info.si_status = why == CLD_CONTINUED ? SIGCONT : (p->stop_report >> 8) & 0x7f;
	send_signal_info(SIGCHLD, &info, parent);
}

/* The default action of a stop signal: sleep in TASK_STOPPED until
 * SIGCONT or SIGKILL. */
static void do_signal_stop(int sig)
{
	struct task_struct *p = current;
	p->stop_report = (sig << 8) | 0x7f;
	p->continued_report = false;
	p->state = TASK_STOPPED;
	do_notify_parent_cldstop(p, CLD_STOPPED);
	schedule();
}

/* The next signal to run a handler for (0: none). Default actions are
 * carried out here; a fatal one does not return. */
static int get_signal(struct kernel_siginfo *info, struct k_sigaction *ka_out)
{
	struct task_struct *p = current;
	for (;;) {
		int sig = dequeue_signal(p, ~p->blocked, info);
		if (!sig)
			return 0;
		struct k_sigaction *ka = sigaction_of(p, sig);
		if (ka->handler == SIG_IGN)
			continue;
		if (ka->handler != SIG_DFL) {
			*ka_out = *ka;
			if (ka->flags & SA_RESETHAND)
				ka->handler = SIG_DFL;
			return sig;
		}
		if (SIG_KERNEL_IGNORE_MASK & sigmask(sig))
			continue;
		/* init survives what was sent while blocked, too. */
		if ((p->flags & PF_UNKILLABLE) && sig != SIGKILL && sig != SIGSTOP)
			continue;
		if (SIG_KERNEL_STOP_MASK & sigmask(sig)) {
			do_signal_stop(sig);
			continue;
		}
		/* Terminate (no core files are written, so no 0x80 bit). */
		struct pt_regs *regs = task_pt_regs(p);
		if (info->si_code > 0 && info->si_code != SI_KERNEL &&
		    (SYNCHRONOUS_MASK & sigmask(sig)))
			pr_err("%s: killed by signal %d (%s) at rip=%#lx addr=%#lx", p->path, sig,
			       signal_name(sig), regs->rip, info->si_addr);
		else
			pr_err("%s: killed by signal %d (%s) at rip=%#lx", p->path, sig,
			       signal_name(sig), regs->rip);
		do_exit(sig);
	}
}

static bool in_syscall(const struct pt_regs *regs)
{
	return regs->vector == VECTOR_SYSCALL && (int64_t)regs->error_code >= 0;
}

/* A handler interrupted the system call: restart it or make it EINTR. */
static void handler_restart(struct pt_regs *regs, const struct k_sigaction *ka)
{
	switch ((int64_t)regs->rax) {
	case -ERESTART_RESTARTBLOCK:
	case -ERESTARTNOHAND:
		regs->rax = -EINTR;
		break;
	case -ERESTARTSYS:
		if (!(ka->flags & SA_RESTART)) {
			regs->rax = -EINTR;
			break;
		}
		__attribute__((fallthrough));
	case -ERESTARTNOINTR:
		regs->rax = regs->error_code;
		regs->rip -= 2;
		break;
	}
}

static void do_signal(struct pt_regs *regs)
{
	struct task_struct *p = current;
	struct kernel_siginfo info;
	struct k_sigaction ka;
	int sig = get_signal(&info, &ka);

	if (sig) {
		if (in_syscall(regs))
			handler_restart(regs, &ka);
		regs->error_code = -1; /* restarts are decided once */
		sigset_t oldmask = p->restore_sigmask ? p->saved_sigmask : p->blocked;
		p->restore_sigmask = false;
		if (setup_rt_frame(sig, &ka, &info, oldmask, regs)) {
			force_sigsegv();
			return;
		}
		p->blocked |= ka.mask;
		if (!(ka.flags & SA_NODEFER))
			p->blocked |= sigmask(sig);
		p->blocked &= ~SIG_KILL_STOP;
		return;
	}
	/* No handler ran: interrupted calls restart. */
	if (in_syscall(regs)) {
		int64_t ret = regs->rax;
		if (ret == -ERESTARTNOHAND || ret == -ERESTARTSYS || ret == -ERESTARTNOINTR) {
			regs->rax = regs->error_code;
			regs->rip -= 2;
		} else if (ret == -ERESTART_RESTARTBLOCK) {
			regs->rax = __NR_restart_syscall;
			regs->rip -= 2;
		}
		regs->error_code = -1;
	}
	if (p->restore_sigmask) {
		p->restore_sigmask = false;
		p->blocked = p->saved_sigmask;
	}
}

void exit_to_user_mode(struct pt_regs *regs)
{
	struct task_struct *p = current;
	/* A balloon target the host set (drivers/balloon.c). */
	balloon_poll();
	for (;;) {
		if (p->need_resched) {
			schedule();
			continue;
		}
		if (signal_pending(p) || p->restore_sigmask ||
		    (in_syscall(regs) && (int64_t)regs->rax <= -ERESTARTSYS &&
		     (int64_t)regs->rax >= -ERESTART_RESTARTBLOCK)) {
			do_signal(regs);
			if (signal_pending(p) && !p->need_resched)
				continue;
		}
		break;
	}
	/* Shadow paging: no user access through a stale shadow entry. */
	if (shadow_paging)
		shadow_exit_to_user();
	unlock_kernel();
}

/* --- system calls -------------------------------------------------------- */

/* Goes on with a sleep a signal without a handler interrupted. */
SYSCALL_DEFINE0(restart_syscall)
{
	struct restart_block *rb = &current->restart_block;
	long (*fn)(struct restart_block *) = rb->fn;
	rb->fn = NULL;
	return fn ? fn(rb) : -EINTR;
}

SYSCALL_DEFINE4(rt_sigaction, int, sig, uint64_t, act, uint64_t, oact, uint64_t, sigsetsize)
{
	struct task_struct *p = current;
	if (sigsetsize != sizeof(sigset_t) || sig < 1 || sig > _NSIG)
		return -EINVAL;
	struct k_sigaction new;
	if (act && copy_from_user(&new, act, sizeof(new)))
		return -EFAULT;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	struct k_sigaction *cur = sigaction_of(p, sig);
	if (oact && copy_to_user(oact, cur, sizeof(*cur)))
		return -EFAULT;
	if (act) {
		new.mask &= ~SIG_KILL_STOP;
		*cur = new;
		/* Ignoring a signal discards its pending instances (POSIX). */
		uint64_t h = new.handler;
		if (h == SIG_IGN || (h == SIG_DFL && (SIG_KERNEL_IGNORE_MASK & sigmask(sig))))
			flush_sigqueue_mask(p, sigmask(sig));
	}
	return 0;
}

static void set_current_blocked(sigset_t set)
{
	current->blocked = set & ~SIG_KILL_STOP;
}

SYSCALL_DEFINE4(rt_sigprocmask, int, how, uint64_t, set, uint64_t, oset, uint64_t, sigsetsize)
{
	struct task_struct *p = current;
	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	sigset_t old = p->blocked, new = old, s;
	if (set) {
		if (copy_from_user(&s, set, sizeof(s)))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			new = old | s;
			break;
		case SIG_UNBLOCK:
			new = old & ~s;
			break;
		case SIG_SETMASK:
			new = s;
			break;
		default:
			return -EINVAL;
		}
	}
	if (oset && copy_to_user(oset, &old, sizeof(old)))
		return -EFAULT;
	set_current_blocked(new);
	return 0;
}

SYSCALL_DEFINE2(rt_sigpending, uint64_t, uset, uint64_t, sigsetsize)
{
	if (sigsetsize > sizeof(sigset_t))
		return -EINVAL;
	sigset_t pending = current->pending & current->blocked;
	return copy_to_user(uset, &pending, sigsetsize) ? -EFAULT : 0;
}

/* Sleeps until a signal is pending. */
static void sleep_until_signal(void)
{
	struct task_struct *p = current;
	while (!signal_pending(p)) {
		p->state = TASK_INTERRUPTIBLE;
		schedule();
	}
	p->state = TASK_RUNNING;
}

SYSCALL_DEFINE0(pause)
{
	sleep_until_signal();
	return -ERESTARTNOHAND;
}

SYSCALL_DEFINE2(rt_sigsuspend, uint64_t, unewset, uint64_t, sigsetsize)
{
	struct task_struct *p = current;
	sigset_t set;
	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&set, unewset, sizeof(set)))
		return -EFAULT;
	p->saved_sigmask = p->blocked;
	p->restore_sigmask = true;
	set_current_blocked(set);
	sleep_until_signal();
	return -ERESTARTNOHAND;
}

struct timespec_k {
	int64_t tv_sec, tv_nsec;
};

SYSCALL_DEFINE4(rt_sigtimedwait, uint64_t, uthese, uint64_t, uinfo, uint64_t, uts,
		uint64_t, sigsetsize)
{
	struct task_struct *p = current;
	struct kernel_siginfo info;
	sigset_t these;
	struct timespec_k ts;
	uint64_t deadline = 0;

	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&these, uthese, sizeof(these)))
		return -EFAULT;
	these &= ~SIG_KILL_STOP;
	if (uts) {
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		deadline = ktime_get_ns() + ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	}
	int sig = dequeue_signal(p, these, &info);
	if (!sig && (!uts || ts.tv_sec || ts.tv_nsec)) {
		/* Wait with these unblocked, so that they wake us. */
		sigset_t saved = p->blocked;
		p->blocked &= ~these;
		if (uts)
			schedule_hrtimeout(deadline);
		else
			sleep_until_signal();
		p->blocked = saved;
		sig = dequeue_signal(p, these, &info);
	}
	if (!sig)
		return signal_pending(p) ? -EINTR : -EAGAIN;
	if (uinfo && copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return sig;
}

SYSCALL_DEFINE2(sigaltstack, uint64_t, uss, uint64_t, uoss)
{
	struct task_struct *p = current;
	struct {
		uint64_t ss_sp;
		int ss_flags;
		int pad;
		uint64_t ss_size;
	} ss, old = {0};
	uint64_t sp = task_pt_regs(p)->rsp;

	old.ss_sp = p->sas_ss_sp;
	old.ss_size = p->sas_ss_size;
	old.ss_flags = on_sig_stack(sp) ? SS_ONSTACK : p->sas_ss_size ? 0 : SS_DISABLE;
	old.ss_flags |= p->sas_ss_flags & SS_AUTODISARM;
	if (uss) {
		if (copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		if (on_sig_stack(sp))
			return -EPERM;
		int mode = ss.ss_flags & ~SS_AUTODISARM;
		if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			ss.ss_sp = ss.ss_size = 0;
		} else if (ss.ss_size < MINSIGSTKSZ) {
			return -ENOMEM;
		}
		p->sas_ss_sp = ss.ss_sp;
		p->sas_ss_size = ss.ss_size;
		p->sas_ss_flags = ss.ss_flags & SS_AUTODISARM;
	}
	if (uoss && copy_to_user(uoss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* --- kill ---------------------------------------------------------------- */

/* May the current task signal p (Linux's kill_ok_by_cred)? */
static bool kill_permitted(int sig, struct task_struct *p)
{
	struct task_struct *me = current;
	if (me->euid == 0)
		return true;
	if (me->euid == p->suid || me->euid == p->uid || me->uid == p->suid || me->uid == p->uid)
		return true;
	return sig == SIGCONT && me->sid == p->sid;
}

static int kill_one(int sig, struct kernel_siginfo *info, struct task_struct *p)
{
	if (!kill_permitted(sig, p))
		return -EPERM;
	return sig ? send_signal_info(sig, info, p) : 0;
}

static void user_siginfo(struct kernel_siginfo *info, int sig, int code)
{
	*info = (struct kernel_siginfo){.si_signo = sig, .si_code = code};
	info->si_pid = current->tgid;
	info->si_uid = current->uid;
}

static bool is_live(const struct task_struct *p)
{
	return p->state != TASK_DEAD;
}

SYSCALL_DEFINE2(kill, int, pid, int, sig)
{
	struct kernel_siginfo info;
	struct task_struct *p;
	if (!valid_signal(sig))
		return -EINVAL;
	user_siginfo(&info, sig, SI_USER);
	if (pid > 0) {
		p = find_task_by_pid(pid);
		return p ? kill_one(sig, &info, p) : -ESRCH;
	}
	if (pid == INT32_MIN)
		return -ESRCH;
	/* A group (0: the caller's), or everyone but init and the caller. */
	int pgrp = pid == 0 ? current->pgid : -pid, ret = -ESRCH, count = 0;
	for_each_process(p) {
		if (!is_live(p))
			continue;
		if (pid == -1 ? (p->pid == 1 || p == current) : p->pgid != pgrp)
			continue;
		int err = kill_one(sig, &info, p);
		count++;
		if (!err)
			ret = 0;
		else if (ret)
			ret = err;
	}
	return count ? ret : -ESRCH;
}

static long do_tkill(int tgid, int tid, int sig)
{
	struct kernel_siginfo info;
	if (!valid_signal(sig) || tid <= 0)
		return -EINVAL;
	struct task_struct *p = find_task_by_pid(tid);
	if (!p || (tgid > 0 && p->tgid != tgid))
		return -ESRCH;
	user_siginfo(&info, sig, SI_TKILL);
	return kill_one(sig, &info, p);
}

SYSCALL_DEFINE2(tkill, int, tid, int, sig)
{
	return do_tkill(0, tid, sig);
}

SYSCALL_DEFINE3(tgkill, int, tgid, int, tid, int, sig)
{
	if (tgid <= 0)
		return -EINVAL;
	return do_tkill(tgid, tid, sig);
}

SYSCALL_DEFINE3(rt_sigqueueinfo, int, pid, int, sig, uint64_t, uinfo)
{
	struct kernel_siginfo info;
	if (copy_from_user(&info, uinfo, sizeof(info)))
		return -EFAULT;
	if (!valid_signal(sig))
		return -EINVAL;
	/* Only the kernel may claim SI_USER or a positive code for others. */
	if ((info.si_code >= 0 || info.si_code == SI_TKILL) && pid != current->pid)
		return -EPERM;
	info.si_signo = sig;
	struct task_struct *p = find_task_by_pid(pid);
	return p ? kill_one(sig, &info, p) : -ESRCH;
}
