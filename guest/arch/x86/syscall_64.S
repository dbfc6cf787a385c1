/* SPDX-License-Identifier: MIT */
/*
 * The SYSCALL entry (MSR_LSTAR). The CPU has put the user RIP in RCX and
 * RFLAGS in R11 and masked IF, DF, TF, AC (MSR_SYSCALL_MASK); the stack is
 * still the user's. Build a struct pt_regs on the kernel stack, exactly as
 * a trap would, call do_syscall_64(), and return with SYSRET.
 */
#include "calling.h"
#include "percpu.h"
#include "ptrace.h"
#include "segment.h"

	.text
	.globl entry_SYSCALL_64
entry_SYSCALL_64:
	swapgs
	movq	%rsp, %gs:PERCPU_USER_RSP
	movq	%gs:PERCPU_KERNEL_RSP, %rsp

	pushq	$__USER_DS			/* ss */
	pushq	%gs:PERCPU_USER_RSP		/* rsp */
	pushq	%r11				/* rflags */
	pushq	$__USER_CS			/* cs */
	pushq	%rcx				/* rip */
	pushq	$0				/* error code */
	pushq	$VECTOR_SYSCALL			/* vector */
	SAVE_REGS

	movq	%rsp, %rdi
	call	do_syscall_64

	/*
	 * SYSRET takes RIP from RCX and RFLAGS from R11. RIP is the one the
	 * CPU saved at SYSCALL (no syscall changes it yet), so it is a
	 * canonical user address and SYSRET cannot fault in ring 0.
	 */
	movq	PT_RIP(%rsp), %rcx
	movq	PT_RFLAGS(%rsp), %r11

	RESTORE_REGS skip_r11_rcx=1	/* r11, rcx: loaded above */
	/* Interrupts are off until SYSRET, so the user stack is safe here. */
	movq	PT_RSP - PT_VECTOR(%rsp), %rsp
	swapgs
	sysretq

	.section .note.GNU-stack, "", @progbits
