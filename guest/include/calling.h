/* SPDX-License-Identifier: MIT */
/*
 * Assembly only: saving and restoring the general registers as the lower
 * part of a struct pt_regs (ptrace.h), shared by the trap and SYSCALL
 * entries so the two frames cannot drift apart (Linux:
 * arch/x86/entry/calling.h).
 */
#ifndef GUEST_CALLING_H
#define GUEST_CALLING_H

	.macro SAVE_REGS
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	.endm

	/*
	 * The inverse of SAVE_REGS. With skip_r11_rcx=1 (the SYSRET path) the
	 * r11 and rcx slots are stepped over, not popped: SYSRET takes RFLAGS
	 * and RIP from those registers, which the caller loads from the frame
	 * first.
	 */
	.macro RESTORE_REGS skip_r11_rcx=0
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	.if \skip_r11_rcx
	addq	$8, %rsp
	.else
	popq	%r11
	.endif
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	.if \skip_r11_rcx
	addq	$8, %rsp
	.else
	popq	%rcx
	.endif
	popq	%rdx
	popq	%rsi
	popq	%rdi
	.endm

#endif
