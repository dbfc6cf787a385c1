/* SPDX-License-Identifier: MIT */
/*
 * Tasks (processes; there are no threads: pid == tgid). kernel/ owns the
 * task list, the scheduler, fork/exec/exit/wait and signals; other
 * subsystems read the fields documented here and call these functions.
 *
 * One CPU, and the kernel runs with interrupts off: a task leaves the CPU
 * only in schedule() (it sleeps or gives way on the way back to user mode),
 * so kernel code needs no locks.
 */
#ifndef GUEST_SCHED_H
#define GUEST_SCHED_H

#include <stdint.h>

#include "kernel.h"
#include "list.h"
#include "signal.h"

#define KSTACK_PAGES 4
#define TASK_COMM_LEN 16
#define TASK_PATH_MAX 256
/* Processes at most (fork answers EAGAIN beyond), as a small pid_max. */
#define PID_MAX_TASKS 512
#define NGROUPS_MAX 32

struct mm_struct;
struct files_struct;
struct fs_struct;
struct pt_regs;

enum task_state {
	TASK_RUNNING,         /* runnable or running */
	TASK_INTERRUPTIBLE,   /* sleeping; a signal wakes it */
	TASK_ZOMBIE,          /* exited, not yet reaped by wait4 */
	TASK_DEAD,            /* reaped, or self-reaped: freed at the next switch */
	TASK_STOPPED,         /* SIGSTOP and friends: until SIGCONT or SIGKILL */
	TASK_UNINTERRUPTIBLE, /* vfork parent: until the child execs or exits */
};

/* Resource limits (Linux numbering). */
#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_SIGPENDING 11
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0UL)

struct rlimit {
	uint64_t rlim_cur, rlim_max;
};

/* Saved at a context switch (arch/x86). */
struct thread_struct {
	uint64_t rsp;              /* kernel stack pointer at the switch */
	uint64_t fs_base, gs_base; /* user TLS bases */
	void *fpu;                 /* 512-byte FXSAVE area, 16-aligned */
};

/* How restart_syscall goes on with an interrupted sleep (nanosleep). */
struct restart_block {
	long (*fn)(struct restart_block *rb);
	uint64_t deadline_ns; /* monotonic */
	uint64_t rmtp;        /* user timespec for the time left, or 0 */
};

/* A queued signal (the real-time ones queue one per kill). */
struct sigqueue {
	struct list_head list;
	struct kernel_siginfo info;
};

struct task_struct {
	int pid, tgid, pgid, sid;
	enum task_state state;
	unsigned int flags;        /* PF_* */
	char comm[TASK_COMM_LEN];  /* program name, as Linux's comm */
	char path[TASK_PATH_MAX];  /* the program's path, for messages */
	struct task_struct *parent;
	struct list_head children; /* of this task */
	struct list_head sibling;  /* in the parent's children */
	struct list_head tasks;    /* all tasks */
	struct list_head run_list; /* the run queue */
	bool need_resched;         /* give way on the way back to user mode */

	struct mm_struct *mm;      /* NULL once the task has exited */
	struct mm_struct *exit_mm; /* dropped after the task last ran (exit) */
	struct files_struct *files;
	struct fs_struct *fs;      /* cwd, umask (fs/) */

	uint64_t kstack_top;
	struct thread_struct thread;
	uint64_t clear_child_tid;
	struct task_struct *vfork_parent; /* woken when this child execs or exits */

	/* credentials */
	unsigned int uid, euid, suid, fsuid, gid, egid, sgid, fsgid;
	unsigned int ngroups, groups[NGROUPS_MAX];

	/* signals */
	sigset_t blocked, pending;
	sigset_t saved_sigmask;    /* restored after sigsuspend's handler */
	bool restore_sigmask;
	struct list_head sigqueue; /* struct sigqueue, in arrival order */
	unsigned int nr_sigqueue;  /* its length (RLIMIT_SIGPENDING bounds it) */
	struct k_sigaction sigactions[_NSIG];
	uint64_t sas_ss_sp, sas_ss_size;           /* sigaltstack */
	int sas_ss_flags;
	int exit_signal;                           /* sent to the parent: SIGCHLD */

	int exit_code;             /* wait status of a zombie */
	int stop_report;           /* stopped, not yet reported: the wait status */
	bool continued_report;     /* continued, not yet reported (WCONTINUED) */
	uint64_t sleep_until;      /* a timed sleep's deadline, ns; 0 = none */
	uint64_t it_real_expires;  /* ITIMER_REAL/alarm deadline, ns; 0 = off */
	uint64_t it_real_incr;     /* its interval, ns */
	uint64_t it_virt[2], it_prof[2]; /* ITIMER_VIRTUAL/PROF value, interval: kept only */
	struct restart_block restart_block;
	uint64_t start_time_ns;
	uint64_t utime_ns, stime_ns;   /* CPU time (user, kernel) */
	uint64_t cutime_ns, cstime_ns; /* of reaped children */
	uint64_t last_ran_ns;          /* when it last got the CPU */
	uint64_t min_flt, maj_flt; /* faults, as getrusage reports */
	uint64_t nvcsw, nivcsw;    /* context switches */
	struct rlimit rlim[RLIM_NLIMITS];
};

/* task->flags */
#define PF_IDLE 0x2 /* a CPU's idle task */
#define PF_EXITING 0x4
#define PF_FORKNOEXEC 0x40 /* forked, not yet exec'd */
#define PF_UNKILLABLE 0x10000 /* init: signals without a handler do nothing */

/* The task running on this CPU (percpu.h's current). */
#include "percpu.h"

/* Root may do what Linux gates by a capability (CAP_SETUID, CAP_IPC_LOCK,
 * CAP_SYS_RESOURCE, CAP_KILL...): credentials have no capability sets here. */
static inline bool capable(void)
{
	return current->euid == 0;
}

/* The task list, in creation order. */
extern struct list_head task_list;
#define for_each_process(p) list_for_each_entry(p, &task_list, tasks)
/* The live or zombie task of that pid, or NULL. */
struct task_struct *find_task_by_pid(int pid);

/* Boot: init's task (panics when out of memory), and making a task the
 * running one (address space, kernel stack, TLS bases). */
struct task_struct *create_init_task(const char *path);
void switch_to_task(struct task_struct *p);
/* Boot: the LAPIC timer and the clocks. */
void time_init(void);

/* The register frame at the top of p's kernel stack: its user state. */
struct pt_regs *task_pt_regs(struct task_struct *p);

/* Ends the current task; wait_status in the wait(2) encoding. */
__noreturn void do_exit(int wait_status);
/* Queues sig with siginfo (si_code, si_addr) for the current task, as for a
 * fault: delivered on the way back to user mode. A fault signal that is
 * blocked or ignored kills the task, as on Linux. */
void force_sig_fault(int sig, int si_code, uint64_t addr);
/* Sends sig to p as the kernel (SI_KERNEL); SIGKILL for out of memory. */
int send_sig(int sig, struct task_struct *p);
/* A signal is pending and not blocked: sleeps end with -EINTR/-ERESTART*. */
bool signal_pending(struct task_struct *p);
/* A fatal signal (SIGKILL) is pending. */
bool fatal_signal_pending(struct task_struct *p);

/* A CPU's idle task (fork.c); its loop (sched.c), never left. */
struct task_struct *idle_task_create(unsigned int cpu);
__attribute__((noreturn)) void cpu_idle(void);

/* Gives up the CPU; returns when this task runs again. Set current->state
 * to a sleeping state first to sleep until wake_up_process. */
void schedule(void);
/* Makes a sleeping task runnable; 1 if it was asleep. */
int wake_up_process(struct task_struct *p);
/* Sleeps interruptibly until deadline_ns (ktime) or a wake-up; returns 0
 * at the deadline, -EINTR when a signal is pending. */
int schedule_hrtimeout(uint64_t deadline_ns);
/* The timer interrupt: wakes sleepers, fires itimers, preempts. */
void scheduler_tick(void);
/* Reprograms the timer for the next deadline of any task. */
void timer_reprogram(void);
/* On the way back to user mode: reschedule, deliver signals. */
void exit_to_user_mode(struct pt_regs *regs);

/* --- signal internals (kernel/signal.c, kernel/exit.c, arch/x86/signal.c) --- */
/* Queues sig with info for p (kill, tkill, the kernel); 0 or -EAGAIN. */
int send_signal_info(int sig, struct kernel_siginfo *info, struct task_struct *p);
/* SIGSEGV that cannot be caught (a bad signal frame or sigreturn). */
void force_sigsegv(void);
/* Drops every queued signal of p (exit). */
void flush_signals(struct task_struct *p);
/* exec: caught signals go back to SIG_DFL, the alternate stack goes away. */
void flush_signal_handlers(struct task_struct *p);
/* Tells p's parent that p stopped or continued (SIGCHLD, CLD_STOPPED/CONTINUED). */
void do_notify_parent_cldstop(struct task_struct *p, int why);
/* Builds the rt_sigframe for a handler on the user stack and points regs
 * at the handler; -EFAULT when the stack cannot take it. */
int setup_rt_frame(int sig, struct k_sigaction *ka, struct kernel_siginfo *info,
		   sigset_t oldmask, struct pt_regs *regs);
/* sp is on the current task's alternate signal stack. */
bool on_sig_stack(uint64_t sp);

/* The current task's soft limit, RLIM_INFINITY for an unknown resource
 * (Linux's rlimit(); mm reads RLIMIT_AS and RLIMIT_MEMLOCK). */
uint64_t rlimit(unsigned int resource);
/* The soft limit of resource r for p (fs reads RLIMIT_NOFILE). */
static inline uint64_t task_rlimit(const struct task_struct *p, unsigned int r)
{
	return p->rlim[r].rlim_cur;
}

/* Nanoseconds since boot (TSC), and the wall clock. */
uint64_t ktime_get_ns(void);
uint64_t ktime_get_real_ns(void);

#endif
