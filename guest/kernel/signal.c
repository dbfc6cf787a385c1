// SPDX-License-Identifier: MIT
/*
 * Signal bookkeeping for the C library: rt_sigaction and rt_sigprocmask
 * record and report actions and the blocked mask as Linux does. Nothing
 * delivers signals yet; a fault kills the process whatever its handler.
 */
#include "errno.h"
#include "percpu.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "uaccess.h"

static const char *const signal_names[] = {
	[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",   [SIGKILL] = "SIGKILL",
	[SIGSEGV] = "SIGSEGV", [SIGSTOP] = "SIGSTOP",
};

const char *signal_name(int sig)
{
	if (sig > 0 && sig < (int)(sizeof(signal_names) / sizeof(signal_names[0])) &&
	    signal_names[sig])
		return signal_names[sig];
	return "?";
}

static sigset_t sigmask(int sig)
{
	return 1UL << (sig - 1);
}

SYSCALL_DEFINE4(rt_sigaction, uint64_t, sig, uint64_t, act, uint64_t, oact, uint64_t, sigsetsize)
{
	struct task_struct *p = current;
	if (sigsetsize != sizeof(sigset_t) || sig < 1 || sig > _NSIG)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	struct k_sigaction new;
	if (act && copy_from_user(&new, act, sizeof(new)))
		return -EFAULT;
	struct k_sigaction *cur = &p->sigactions[sig - 1];
	if (oact && copy_to_user(oact, cur, sizeof(*cur)))
		return -EFAULT;
	if (act) {
		new.mask &= ~(sigmask(SIGKILL) | sigmask(SIGSTOP));
		*cur = new;
	}
	return 0;
}

SYSCALL_DEFINE4(rt_sigprocmask, uint64_t, how, uint64_t, set, uint64_t, oset, uint64_t, sigsetsize)
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
	p->blocked = new & ~(sigmask(SIGKILL) | sigmask(SIGSTOP));
	return 0;
}
