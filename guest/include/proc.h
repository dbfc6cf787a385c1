/* SPDX-License-Identifier: MIT */
/* Processes. There is one so far (init, pid 1); when it ends, the VM ends. */
#ifndef GUEST_PROC_H
#define GUEST_PROC_H

#include <stdint.h>

#include "kernel.h"
#include "signal.h"

#define KSTACK_PAGES 4
#define PROC_PATH_MAX 256

struct mm_struct;
struct pt_regs;

struct proc {
	int pid;
	char path[PROC_PATH_MAX]; /* the program, for messages */
	struct mm_struct *mm;
	uint64_t kstack_top;
	uint64_t fs_base, gs_base;
	uint64_t clear_child_tid;
	sigset_t blocked;
	struct k_sigaction sigactions[_NSIG];
};

/* Panics when out of memory. */
struct proc *proc_create(const char *path);
/* Makes p the running process: its address space, kernel stack and FS/GS. */
void proc_switch_to(struct proc *p);
/* The frame at the top of p's kernel stack that enter_user() returns to. */
struct pt_regs *proc_user_regs(struct proc *p);

/* Ends the current process; wait_status in the wait(2) encoding. */
__noreturn void do_exit(int wait_status);
/* Kills the current process for a fault it took in user mode. */
__noreturn void force_sig_fault(int sig, const struct pt_regs *regs, uint64_t addr);

#endif
