/* SPDX-License-Identifier: MIT */
/*
 * Tasks (processes; there are no threads: pid == tgid). kernel/ owns the
 * task list, the scheduler, fork/exec/exit/wait and signals; other
 * subsystems read the fields documented here and call these functions.
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

struct mm_struct;
struct files_struct;
struct fs_struct;
struct pt_regs;

enum task_state {
	TASK_RUNNING,         /* runnable or running */
	TASK_INTERRUPTIBLE,   /* sleeping; a signal wakes it */
	TASK_ZOMBIE,          /* exited, not yet reaped by wait4 */
	TASK_DEAD,
};

/* Saved at a context switch (arch/x86). */
struct thread_struct {
	uint64_t rsp;              /* kernel stack pointer at the switch */
	uint64_t fs_base, gs_base; /* user TLS bases */
	void *fpu;                 /* 512-byte FXSAVE area, 16-aligned */
};

struct task_struct {
	int pid, tgid, pgid, sid;
	enum task_state state;
	char comm[TASK_COMM_LEN];  /* program name, as Linux's comm */
	char path[TASK_PATH_MAX];  /* the program's path, for messages */
	struct task_struct *parent;
	struct list_head children; /* of this task */
	struct list_head sibling;  /* in the parent's children */
	struct list_head tasks;    /* all tasks */
	struct list_head run_list; /* the run queue */

	struct mm_struct *mm;
	struct files_struct *files;
	struct fs_struct *fs;      /* cwd, umask (fs/) */

	uint64_t kstack_top;
	struct thread_struct thread;
	uint64_t clear_child_tid;

	/* signals */
	sigset_t blocked, pending;
	struct k_sigaction sigactions[_NSIG];
	struct kernel_siginfo pending_info[_NSIG]; /* for each pending signal */
	uint64_t sas_ss_sp, sas_ss_size;           /* sigaltstack */
	int exit_signal;                           /* sent to the parent: SIGCHLD */

	int exit_code;             /* wait status of a zombie */
	uint64_t it_real_expires;  /* ITIMER_REAL/alarm deadline, ns; 0 = off */
	uint64_t it_real_incr;     /* its interval, ns */
	uint64_t start_time_ns;
	uint64_t min_flt, maj_flt; /* faults, as getrusage reports */
};

/* The task running on this CPU (percpu.h's current). */
#include "percpu.h"

/* The task list, in creation order. */
extern struct list_head task_list;
#define for_each_process(p) list_for_each_entry(p, &task_list, tasks)
struct task_struct *find_task_by_pid(int pid);

/* Boot: init's task (panics when out of memory), and making a task the
 * running one (address space, kernel stack, TLS bases). */
struct task_struct *create_init_task(const char *path);
void switch_to_task(struct task_struct *p);

/* The register frame at the top of p's kernel stack: its user state. */
struct pt_regs *task_pt_regs(struct task_struct *p);

/* Ends the current task; wait_status in the wait(2) encoding. */
__noreturn void do_exit(int wait_status);
/* Queues sig with siginfo (si_code, si_addr) for the current task, as for a
 * fault: delivered on the way back to user mode. A fault signal that is
 * blocked or ignored kills the task, as on Linux. */
void force_sig_fault(int sig, int si_code, uint64_t addr);
/* Sends sig to p as kill(2) would (SI_USER). */
int send_sig(int sig, struct task_struct *p);

/* Gives up the CPU; returns when this task runs again. */
void schedule(void);
void wake_up_process(struct task_struct *p);

/* Nanoseconds since boot (TSC). */
uint64_t ktime_get_ns(void);

#endif
