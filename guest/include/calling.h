/* SPDX-License-Identifier: MIT */
/*
 * Assembly only: saving the general registers as the lower part of a
 * struct pt_regs (ptrace.h), shared by the trap and SYSCALL entries so the
 * two frames cannot drift apart (Linux: arch/x86/entry/calling.h).
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

#endif
