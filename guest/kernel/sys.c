// SPDX-License-Identifier: MIT
/*
 * Process identity and limits: pids, process groups and sessions, user
 * and group ids (kept and checked as Linux does; the file systems do not
 * enforce them), resource limits, rusage, uname, getrandom.
 */
#include "errno.h"
#include "mm.h"
#include "ptrace.h"
#include "resource.h"
#include "sched.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"
#include "x86.h"

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1
#define NR_OPEN_LIMIT 1048576 /* Linux's fs.nr_open */
#define GRND_NONBLOCK 0x1
#define GRND_RANDOM 0x2
#define GRND_INSECURE 0x4
#define UTS_LEN 65

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

/* --- process groups and sessions ---------------------------------------- */

static bool is_live(const struct task_struct *p)
{
	return p->state != TASK_DEAD;
}

SYSCALL_DEFINE2(setpgid, int, pid, int, pgid)
{
	struct task_struct *me = current, *p, *q;
	if (pgid < 0)
		return -EINVAL;
	if (!pid)
		pid = me->pid;
	if (!pgid)
		pgid = pid;
	p = find_task_by_pid(pid);
	if (!p || p->state == TASK_ZOMBIE || (p != me && p->parent != me))
		return -ESRCH;
	if (p != me) {
		if (p->sid != me->sid)
			return -EPERM;
		if (!(p->flags & PF_FORKNOEXEC))
			return -EACCES;
	}
	if (p->sid == p->pid)
		return -EPERM; /* a session leader */
	if (pgid != p->pid) {
		bool found = false;
		for_each_process(q)
			if (is_live(q) && q->pgid == pgid && q->sid == me->sid) {
				found = true;
				break;
			}
		if (!found)
			return -EPERM;
	}
	p->pgid = pgid;
	return 0;
}

static struct task_struct *task_or_self(int pid)
{
	return pid ? find_task_by_pid(pid) : current;
}

SYSCALL_DEFINE1(getpgid, int, pid)
{
	struct task_struct *p = task_or_self(pid);
	return p ? p->pgid : -ESRCH;
}

SYSCALL_DEFINE0(getpgrp)
{
	return current->pgid;
}

SYSCALL_DEFINE1(getsid, int, pid)
{
	struct task_struct *p = task_or_self(pid);
	return p ? p->sid : -ESRCH;
}

SYSCALL_DEFINE0(setsid)
{
	struct task_struct *me = current, *p;
	/* A process group leader cannot start a session (its group would split). */
	for_each_process(p)
		if (is_live(p) && p->pgid == me->pid)
			return -EPERM;
	me->sid = me->pgid = me->pid;
	return me->pid;
}

/* --- credentials --------------------------------------------------------- */

#define INVALID_ID 0xffffffffu

SYSCALL_DEFINE0(getuid)
{
	return current->uid;
}

SYSCALL_DEFINE0(geteuid)
{
	return current->euid;
}

SYSCALL_DEFINE0(getgid)
{
	return current->gid;
}

SYSCALL_DEFINE0(getegid)
{
	return current->egid;
}

/* setresuid/setresgid's rule: each new id (or -1: unchanged) must be one
 * of the current three, unless privileged. */
static int set_ids(unsigned int *r, unsigned int *e, unsigned int *s, unsigned int *fs,
		   unsigned int nr, unsigned int ne, unsigned int ns)
{
	if (!capable()) {
		unsigned int ids[3] = {nr, ne, ns};
		for (int i = 0; i < 3; i++)
			if (ids[i] != INVALID_ID && ids[i] != *r && ids[i] != *e && ids[i] != *s)
				return -EPERM;
	}
	if (nr != INVALID_ID)
		*r = nr;
	if (ne != INVALID_ID)
		*e = ne;
	if (ns != INVALID_ID)
		*s = ns;
	*fs = *e;
	return 0;
}

SYSCALL_DEFINE3(setresuid, unsigned int, r, unsigned int, e, unsigned int, s)
{
	struct task_struct *p = current;
	return set_ids(&p->uid, &p->euid, &p->suid, &p->fsuid, r, e, s);
}

SYSCALL_DEFINE3(setresgid, unsigned int, r, unsigned int, e, unsigned int, s)
{
	struct task_struct *p = current;
	return set_ids(&p->gid, &p->egid, &p->sgid, &p->fsgid, r, e, s);
}

SYSCALL_DEFINE3(getresuid, uint64_t, r, uint64_t, e, uint64_t, s)
{
	struct task_struct *p = current;
	if (copy_to_user(r, &p->uid, 4) || copy_to_user(e, &p->euid, 4) || copy_to_user(s, &p->suid, 4))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE3(getresgid, uint64_t, r, uint64_t, e, uint64_t, s)
{
	struct task_struct *p = current;
	if (copy_to_user(r, &p->gid, 4) || copy_to_user(e, &p->egid, 4) || copy_to_user(s, &p->sgid, 4))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE1(setuid, unsigned int, uid)
{
	struct task_struct *p = current;
	if (uid == INVALID_ID)
		return -EINVAL;
	if (capable()) {
		p->uid = p->euid = p->suid = p->fsuid = uid;
		return 0;
	}
	if (uid != p->uid && uid != p->suid)
		return -EPERM;
	p->euid = p->fsuid = uid;
	return 0;
}

SYSCALL_DEFINE1(setgid, unsigned int, gid)
{
	struct task_struct *p = current;
	if (gid == INVALID_ID)
		return -EINVAL;
	if (capable()) {
		p->gid = p->egid = p->sgid = p->fsgid = gid;
		return 0;
	}
	if (gid != p->gid && gid != p->sgid)
		return -EPERM;
	p->egid = p->fsgid = gid;
	return 0;
}

/* setreuid: an unprivileged caller may swap real and effective ids. */
static int set_re(unsigned int *r, unsigned int *e, unsigned int *s, unsigned int *fs,
		  unsigned int nr, unsigned int ne)
{
	unsigned int old_r = *r;
	if (!capable()) {
		if (nr != INVALID_ID && nr != *r && nr != *e)
			return -EPERM;
		if (ne != INVALID_ID && ne != *r && ne != *e && ne != *s)
			return -EPERM;
	}
	if (nr != INVALID_ID)
		*r = nr;
	if (ne != INVALID_ID)
		*e = ne;
	if (nr != INVALID_ID || (ne != INVALID_ID && ne != old_r))
		*s = *e;
	*fs = *e;
	return 0;
}

SYSCALL_DEFINE2(setreuid, unsigned int, r, unsigned int, e)
{
	struct task_struct *p = current;
	return set_re(&p->uid, &p->euid, &p->suid, &p->fsuid, r, e);
}

SYSCALL_DEFINE2(setregid, unsigned int, r, unsigned int, e)
{
	struct task_struct *p = current;
	return set_re(&p->gid, &p->egid, &p->sgid, &p->fsgid, r, e);
}

SYSCALL_DEFINE1(setfsuid, unsigned int, uid)
{
	struct task_struct *p = current;
	unsigned int old = p->fsuid;
	if (uid != INVALID_ID && (capable() || uid == p->uid || uid == p->euid || uid == p->suid))
		p->fsuid = uid;
	return old;
}

SYSCALL_DEFINE1(setfsgid, unsigned int, gid)
{
	struct task_struct *p = current;
	unsigned int old = p->fsgid;
	if (gid != INVALID_ID && (capable() || gid == p->gid || gid == p->egid || gid == p->sgid))
		p->fsgid = gid;
	return old;
}

SYSCALL_DEFINE2(getgroups, int, size, uint64_t, list)
{
	struct task_struct *p = current;
	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return p->ngroups;
	if ((unsigned int)size < p->ngroups)
		return -EINVAL;
	if (copy_to_user(list, p->groups, p->ngroups * sizeof(unsigned int)))
		return -EFAULT;
	return p->ngroups;
}

SYSCALL_DEFINE2(setgroups, int, size, uint64_t, list)
{
	struct task_struct *p = current;
	unsigned int groups[NGROUPS_MAX];
	if (!capable())
		return -EPERM;
	if (size < 0 || size > NGROUPS_MAX)
		return -EINVAL;
	if (copy_from_user(groups, list, size * sizeof(unsigned int)))
		return -EFAULT;
	memcpy(p->groups, groups, size * sizeof(unsigned int));
	p->ngroups = size;
	return 0;
}

/* --- limits and usage ---------------------------------------------------- */

static int do_prlimit(struct task_struct *p, unsigned int resource, const struct rlimit *new,
		      struct rlimit *old)
{
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit *rl = &p->rlim[resource];
	if (new) {
		if (new->rlim_cur > new->rlim_max)
			return -EINVAL;
		if (resource == RLIMIT_NOFILE && new->rlim_max > NR_OPEN_LIMIT)
			return -EPERM;
		if (new->rlim_max > rl->rlim_max && !capable())
			return -EPERM;
	}
	if (old)
		*old = *rl;
	if (new)
		*rl = *new;
	return 0;
}

SYSCALL_DEFINE2(getrlimit, unsigned int, resource, uint64_t, rlim)
{
	struct rlimit old;
	int err = do_prlimit(current, resource, NULL, &old);
	if (err)
		return err;
	return copy_to_user(rlim, &old, sizeof(old));
}

SYSCALL_DEFINE2(setrlimit, unsigned int, resource, uint64_t, rlim)
{
	struct rlimit new;
	if (copy_from_user(&new, rlim, sizeof(new)))
		return -EFAULT;
	return do_prlimit(current, resource, &new, NULL);
}

SYSCALL_DEFINE4(prlimit64, int, pid, unsigned int, resource, uint64_t, unew, uint64_t, uold)
{
	struct rlimit new, old;
	struct task_struct *p = task_or_self(pid);
	if (unew && copy_from_user(&new, unew, sizeof(new)))
		return -EFAULT;
	if (!p || p->state == TASK_ZOMBIE)
		return -ESRCH;
	if (p != current && !capable() && (p->uid != current->uid || p->euid != current->uid))
		return -EPERM;
	int err = do_prlimit(p, resource, unew ? &new : NULL, uold ? &old : NULL);
	if (!err && uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return err;
}

SYSCALL_DEFINE2(getrusage, int, who, uint64_t, ru)
{
	struct task_struct *p = current;
	struct rusage_k r = {0};
	uint64_t now = ktime_get_ns();
	switch (who) {
	case RUSAGE_SELF:
	case RUSAGE_THREAD:
		ns_to_tv(p->utime_ns + (now - p->last_ran_ns), r.ru_utime);
		ns_to_tv(p->stime_ns, r.ru_stime);
		r.ru_minflt = p->min_flt;
		r.ru_majflt = p->maj_flt;
		r.ru_nvcsw = p->nvcsw;
		r.ru_nivcsw = p->nivcsw;
		if (p->mm)
			r.ru_maxrss = (p->mm->hiwater_rss ? p->mm->hiwater_rss
							  : (uint64_t)(p->mm->rss_stat[MM_ANONPAGES] +
								       p->mm->rss_stat[MM_FILEPAGES])) * 4;
		break;
	case RUSAGE_CHILDREN:
		ns_to_tv(p->cutime_ns, r.ru_utime);
		ns_to_tv(p->cstime_ns, r.ru_stime);
		break;
	default:
		return -EINVAL;
	}
	return copy_to_user(ru, &r, sizeof(r));
}

SYSCALL_DEFINE1(times, uint64_t, tbuf)
{
	struct task_struct *p = current;
	/* Clock ticks of 10 ms (USER_HZ 100). */
	int64_t t[4] = {(int64_t)(p->utime_ns / 10000000), (int64_t)(p->stime_ns / 10000000),
			(int64_t)(p->cutime_ns / 10000000), (int64_t)(p->cstime_ns / 10000000)};
	if (tbuf && copy_to_user(tbuf, t, sizeof(t)))
		return -EFAULT;
	return ktime_get_ns() / 10000000;
}

/* --- uname, getrandom ---------------------------------------------------- */

SYSCALL_DEFINE1(uname, uint64_t, name)
{
	static const char fields[6][UTS_LEN] = {
		"Linux", "umbra", "6.1.0-umbra", "#1 SMP umbra guest kernel", "x86_64", "(none)",
	};
	return copy_to_user(name, fields, sizeof(fields));
}

SYSCALL_DEFINE3(getrandom, uint64_t, buf, uint64_t, count, unsigned int, flags)
{
	static uint64_t state;
	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	if (count > (32UL << 20))
		count = 32UL << 20;
	/* No entropy source: the TSC mixed by splitmix64 (not for secrets). */
	for (uint64_t done = 0; done < count;) {
		state += rdtsc() + 0x9e3779b97f4a7c15ULL;
		uint64_t z = state;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		size_t n = MIN(count - done, sizeof(z));
		if (copy_to_user(buf + done, &z, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return count;
}

uint64_t rlimit(unsigned int resource)
{
	return resource < RLIM_NLIMITS ? task_rlimit(current, resource) : RLIM_INFINITY;
}
