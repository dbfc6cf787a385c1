// SPDX-License-Identifier: MIT
/*
 * Creating tasks: init at boot, then fork, vfork and the fork-like uses of
 * clone. A child gets a copy-on-write copy of the address space (mm's
 * dup_mm; vfork shares it and the parent waits until the child execs or
 * exits), the descriptor table and cwd (fs/), the signal actions and mask
 * (not the pending signals or timers), and its parent's registers with
 * RAX = 0 (arch's copy_thread).
 */
#include "errno.h"
#include "fs.h"
#include "mm.h"
#include "page.h"
#include "pmm.h"
#include "printk.h"
#include "processor.h"
#include "ptrace.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"

#define PID_MAX 32768
#define CLONE_VM 0x00000100UL
#define CLONE_FS 0x00000200UL
#define CLONE_FILES 0x00000400UL
#define CLONE_SIGHAND 0x00000800UL
#define CLONE_VFORK 0x00004000UL
#define CLONE_PARENT 0x00008000UL
#define CLONE_THREAD 0x00010000UL
#define CLONE_SETTLS 0x00080000UL
#define CLONE_PARENT_SETTID 0x00100000UL
#define CLONE_CHILD_CLEARTID 0x00200000UL
#define CLONE_CHILD_SETTID 0x01000000UL
#define CSIGNAL 0xffUL

LIST_HEAD(task_list);
static int last_pid;
static unsigned int nr_tasks;

struct task_struct *find_task_by_pid(int pid)
{
	struct task_struct *p;
	for_each_process(p)
		if (p->pid == pid && p->state != TASK_DEAD)
			return p;
	return NULL;
}

/* A pid no task, process group or session uses (Linux's alloc_pid). */
static int alloc_pid(void)
{
	for (int tries = 0; tries < PID_MAX; tries++) {
		int pid = last_pid + 1 >= PID_MAX ? 2 : last_pid + 1;
		last_pid = pid;
		struct task_struct *p;
		bool used = false;
		for_each_process(p)
			if (p->pid == pid || p->pgid == pid || p->sid == pid) {
				used = true;
				break;
			}
		if (!used)
			return pid;
	}
	return -EAGAIN;
}

static void init_task_lists(struct task_struct *p)
{
	INIT_LIST_HEAD(&p->children);
	INIT_LIST_HEAD(&p->sibling);
	INIT_LIST_HEAD(&p->run_list);
	INIT_LIST_HEAD(&p->sigqueue);
	p->nr_sigqueue = 0;
}

void set_task_comm(struct task_struct *p, const char *path)
{
	memset(p->path, 0, sizeof(p->path));
	memset(p->comm, 0, sizeof(p->comm));
	memcpy(p->path, path, strnlen(path, sizeof(p->path) - 1));
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	memcpy(p->comm, base, strnlen(base, sizeof(p->comm) - 1));
}

static const struct rlimit init_rlimits[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = {RLIM_INFINITY, RLIM_INFINITY},
	[RLIMIT_FSIZE] = {RLIM_INFINITY, RLIM_INFINITY},
	[RLIMIT_DATA] = {RLIM_INFINITY, RLIM_INFINITY},
	[RLIMIT_STACK] = {8UL << 20, RLIM_INFINITY},
	[RLIMIT_CORE] = {0, RLIM_INFINITY},
	[RLIMIT_RSS] = {RLIM_INFINITY, RLIM_INFINITY},
	[RLIMIT_NPROC] = {PID_MAX_TASKS, PID_MAX_TASKS},
	[RLIMIT_NOFILE] = {NR_OPEN_MAX, NR_OPEN_MAX},
	[RLIMIT_MEMLOCK] = {8UL << 20, 8UL << 20},
	[RLIMIT_AS] = {RLIM_INFINITY, RLIM_INFINITY},
	[10] = {RLIM_INFINITY, RLIM_INFINITY},   /* RLIMIT_LOCKS */
	[RLIMIT_SIGPENDING] = {1024, 1024},
	[12] = {819200, 819200},                 /* RLIMIT_MSGQUEUE */
	[13] = {0, 0},                           /* RLIMIT_NICE */
	[14] = {0, 0},                           /* RLIMIT_RTPRIO */
	[15] = {RLIM_INFINITY, RLIM_INFINITY},   /* RLIMIT_RTTIME */
};

/* The first task, made at boot: no memory then is a broken VM. */
struct task_struct *create_init_task(const char *path)
{
	struct task_struct *p = kzalloc(sizeof(*p));
	phys_addr_t kstack = alloc_pages(KSTACK_PAGES);
	struct mm_struct *mm = mm_alloc();
	void *fpu = fpu_alloc();
	if (!p || !kstack || !mm || !fpu)
		panic("out of memory creating process %s", path);
	init_task_lists(p);
	p->mm = mm;
	p->thread.fpu = fpu;
	p->pid = p->tgid = p->pgid = p->sid = last_pid = 1;
	p->state = TASK_RUNNING;
	p->flags = PF_UNKILLABLE;
	p->exit_signal = SIGCHLD;
	p->sas_ss_flags = SS_DISABLE;
	memcpy(p->rlim, init_rlimits, sizeof(p->rlim));
	set_task_comm(p, path);
	p->kstack_top = (uint64_t)__va(kstack) + KSTACK_PAGES * PAGE_SIZE;
	p->start_time_ns = p->last_ran_ns = ktime_get_ns();
	list_add_tail(&p->tasks, &task_list);
	nr_tasks = 1;
	return p;
}

/* A CPU's idle task (SMP): runs the idle loop on its own kernel stack; on
 * no list, never a process. NULL when out of memory. */
struct task_struct *idle_task_create(unsigned int cpu)
{
	struct task_struct *p = kzalloc(sizeof(*p));
	phys_addr_t kstack = alloc_pages(KSTACK_PAGES);
	void *fpu = fpu_alloc();
	if (!p || !kstack || !fpu) {
		kfree(p);
		kfree(fpu);
		if (kstack)
			free_pages(kstack, KSTACK_PAGES);
		return NULL;
	}
	init_task_lists(p);
	p->thread.fpu = fpu;
	p->state = TASK_RUNNING;
	p->flags = PF_IDLE;
	snprintf(p->comm, sizeof(p->comm), "swapper/%u", cpu);
	p->kstack_top = (uint64_t)__va(kstack) + KSTACK_PAGES * PAGE_SIZE;
	copy_idle_thread(p);
	return p;
}

void switch_to_task(struct task_struct *p)
{
	current = p;
	switch_mm(p->mm);
	set_kernel_stack(p->kstack_top);
	fpu_restore(p->thread.fpu);
}

struct pt_regs *task_pt_regs(struct task_struct *p)
{
	return (struct pt_regs *)(p->kstack_top - sizeof(struct pt_regs));
}

/* Frees a task that never ran. */
static void free_task(struct task_struct *p)
{
	if (p->mm)
		mmput(p->mm);
	exit_files(p);
	exit_fs(p);
	exit_thread(p);
	if (p->kstack_top)
		free_pages(__pa((void *)(p->kstack_top - KSTACK_PAGES * PAGE_SIZE)), KSTACK_PAGES);
	kfree(p);
}

static long do_fork(unsigned long clone_flags, uint64_t stack)
{
	struct task_struct *parent = current, *p;
	struct pt_regs *regs = task_pt_regs(parent);
	bool vfork = clone_flags & CLONE_VFORK;

	if (nr_tasks >= PID_MAX_TASKS ||
	    (parent->euid != 0 && nr_tasks >= task_rlimit(parent, RLIMIT_NPROC)))
		return -EAGAIN;
	int pid = alloc_pid();
	if (pid < 0)
		return pid;
	p = kmalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = *parent;
	init_task_lists(p);
	p->mm = NULL;
	p->files = NULL;
	p->fs = NULL;
	p->thread.fpu = NULL;
	p->kstack_top = 0;

	phys_addr_t kstack = alloc_pages(KSTACK_PAGES);
	if (!kstack)
		goto nomem;
	p->kstack_top = (uint64_t)__va(kstack) + KSTACK_PAGES * PAGE_SIZE;
	if (vfork) {
		p->mm = parent->mm;
		mmget(p->mm);
	} else {
		p->mm = dup_mm(parent->mm);
	}
	p->files = dup_fd(parent->files);
	p->fs = copy_fs_struct(parent->fs);
	if (!p->mm || !p->files || !p->fs || copy_thread(p, regs))
		goto nomem;
	if (stack)
		task_pt_regs(p)->rsp = stack;

	p->pid = p->tgid = pid;
	p->parent = parent;
	p->state = TASK_RUNNING;
	p->flags = PF_FORKNOEXEC;
	p->need_resched = false;
	p->exit_mm = NULL;
	p->exit_signal = clone_flags & CSIGNAL;
	p->vfork_parent = vfork ? parent : NULL;
	p->pending = 0;
	p->restore_sigmask = false;
	p->exit_code = p->stop_report = 0;
	p->continued_report = false;
	p->sleep_until = p->it_real_expires = p->it_real_incr = 0;
	p->it_virt[0] = p->it_virt[1] = p->it_prof[0] = p->it_prof[1] = 0;
	p->restart_block.fn = NULL;
	p->start_time_ns = p->last_ran_ns = ktime_get_ns();
	p->utime_ns = p->stime_ns = p->cutime_ns = p->cstime_ns = 0;
	p->min_flt = p->maj_flt = p->nvcsw = p->nivcsw = 0;
	p->clear_child_tid = 0;
	list_add_tail(&p->sibling, &parent->children);
	list_add_tail(&p->tasks, &task_list);
	nr_tasks++;
	p->state = TASK_INTERRUPTIBLE;
	wake_up_process(p);

	if (vfork) {
		/* Until the child execs or exits; only SIGKILL ends the wait early. */
		while (p->vfork_parent == parent && !fatal_signal_pending(parent)) {
			parent->state = TASK_UNINTERRUPTIBLE;
			schedule();
		}
		parent->state = TASK_RUNNING;
	}
	return pid;

nomem:
	free_task(p);
	return -ENOMEM;
}

/* The reaped task's slot (exit.c calls this). */
void release_task_count(void);
void release_task_count(void)
{
	nr_tasks--;
}

SYSCALL_DEFINE0(fork)
{
	return do_fork(SIGCHLD, 0);
}

SYSCALL_DEFINE0(vfork)
{
	return do_fork(CLONE_VFORK | CLONE_VM | SIGCHLD, 0);
}

/* clone: only its process-creating forms (no threads in this kernel). */
SYSCALL_DEFINE5(clone, uint64_t, flags, uint64_t, newsp, uint64_t, parent_tid, uint64_t, child_tid,
		uint64_t, tls)
{
	(void)parent_tid;
	(void)child_tid;
	(void)tls;
	const uint64_t supported = CSIGNAL | CLONE_VM | CLONE_VFORK;
	if (flags & ~supported)
		return (flags & (CLONE_THREAD | CLONE_SIGHAND)) ? -EINVAL : -ENOSYS;
	if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
		return -EINVAL;
	if ((flags & CSIGNAL) > _NSIG)
		return -EINVAL;
	if (newsp && !(flags & CLONE_VM))
		return -EINVAL;
	return do_fork(flags, newsp);
}
