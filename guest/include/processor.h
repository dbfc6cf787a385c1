/* SPDX-License-Identifier: MIT */
/*
 * arch/x86's part of processes: the context switch, a new task's first
 * kernel stack, and the user FPU/SSE state (FXSAVE format, 512 bytes,
 * 16-aligned). The kernel is built -mgeneral-regs-only, so the FPU
 * registers always hold the current task's user state and are only saved
 * and loaded at a switch, a signal frame and sigreturn.
 */
#ifndef GUEST_PROCESSOR_H
#define GUEST_PROCESSOR_H

#include <stdint.h>

#include "kernel.h"

struct task_struct;
struct pt_regs;

#define FXSAVE_SIZE 512
/* FXSAVE area fields the kernel checks. */
#define FXSAVE_MXCSR_OFFSET 24
#define MXCSR_DEFAULT 0x1f80
/* MXCSR bits that may be set (Linux's default mxcsr_feature_mask, with DAZ). */
#define MXCSR_VALID_MASK 0xffffUL

/* Switches to next (address space, kernel stack, TLS, FPU); returns, in
 * next's context, the task switched from. */
struct task_struct *__switch_to(struct task_struct *prev, struct task_struct *next);
/* Sets up p's kernel stack to start in ret_from_fork with regs as its user
 * state; p->thread gets the parent's TLS and FPU state. 0 or -ENOMEM. */
int copy_thread(struct task_struct *p, const struct pt_regs *regs);
/* Frees p's arch state. */
void exit_thread(struct task_struct *p);
/* An idle task's first switch frame: it starts in cpu_idle(). */
void copy_idle_thread(struct task_struct *p);

/* A new FXSAVE area in the initial state (FCW 0x37f, MXCSR 0x1f80), or NULL. */
void *fpu_alloc(void);
/* Puts the CPU's FPU back in the initial state (exec, signal handlers). */
void fpu_reset(void);
/* The CPU's FPU state to and from a 512-byte, 16-aligned buffer. */
void fpu_save(void *buf);
void fpu_restore(const void *buf);

#endif
