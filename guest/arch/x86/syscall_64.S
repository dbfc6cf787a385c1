/* SPDX-License-Identifier: MIT */
/*
 * The SYSCALL entry (MSR_LSTAR). The CPU has put the user RIP in RCX and
 * RFLAGS in R11 and masked IF, DF, TF, AC (MSR_SYSCALL_MASK); the stack is
 * still the user's. Build a struct pt_regs on the kernel stack, exactly as
 * a trap would (the error-code slot keeps the system call number, as
 * Linux's orig_ax, for restarts), call do_syscall_64(), and return with
 * SYSRET, or with IRET when the frame was changed in a way SYSRET cannot
 * restore (signal delivery, sigreturn, exec).
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
	pushq	%rax				/* error code: orig_ax */
	pushq	$VECTOR_SYSCALL			/* vector */
	SAVE_REGS

	movq	%rsp, %rdi
	call	do_syscall_64

	/*
	 * SYSRET takes RIP from RCX and RFLAGS from R11, so it can only return
	 * to a frame whose rcx and r11 equal its rip and rflags (as SYSCALL
	 * left them), with a canonical user RIP (SYSRET would fault in ring 0
	 * otherwise). Anything else goes out through IRET.
	 */
	movq	PT_RIP(%rsp), %rcx
	cmpq	%rcx, PT_RCX(%rsp)
	jne	1f
	movq	PT_RFLAGS(%rsp), %r11
	cmpq	%r11, PT_R11(%rsp)
	jne	1f
	movq	%rcx, %rax
	shrq	$47, %rax
	jnz	1f

	RESTORE_REGS skip_r11_rcx=1	/* r11, rcx: loaded above */
	/* Interrupts are off until SYSRET, so the user stack is safe here. */
	movq	PT_RSP - PT_VECTOR(%rsp), %rsp
	swapgs
	sysretq

1:	jmp	ret_from_trap

	.section .note.GNU-stack, "", @progbits
