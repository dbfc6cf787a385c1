/* SPDX-License-Identifier: MIT */
/*
 * Exception and interrupt entry. Each of the 256 vectors has a 16-byte stub
 * (idt.c points gate N at trap_stubs + 16 * N) that pushes a dummy error
 * code where the CPU pushes none, then the vector, and joins trap_common,
 * which saves the registers as a struct pt_regs and calls do_trap().
 *
 * GS: the per-CPU area is reached through the kernel GS base, which the
 * entry swaps in when the interrupted code ran on the user's. That is
 * decided by the GS base itself (a kernel address is negative), not by the
 * interrupted CS as the exit does: under nested virtualization (L1's KVM
 * on QEMU's TCG emulation of SVM) an interrupt from user mode was seen
 * delivered a second time at the first instruction of trap_common, before
 * the first delivery's swapgs — a kernel-mode frame on the user's GS, whose
 * handler then faulted on gs:0 in a loop that ran the stack down through
 * memory (docs/shadow.md, "SMP"). An entry that swapped on a kernel-mode
 * frame swaps back before it returns, so the interrupted entry finds the GS
 * it left. The sign test needs a user GS base that is never negative:
 * arch_prctl refuses bases at or above TASK_SIZE, and CR4.FSGSBASE stays
 * off (no WRGSBASE from user mode).
 */
#include "calling.h"
#include "ptrace.h"
#include "x86.h"

/* Vectors below 32 for which the CPU pushes an error code:
 * 8, 10, 11, 12, 13, 14, 17, 21, 29, 30. */
#define ERRCODE_VECTORS 0x60227d00

	.text
	.balign 16
	.globl trap_stubs
trap_stubs:
	vector = 0
	.rept 256
	.balign 16
	.if vector >= 32 || ((ERRCODE_VECTORS >> (vector & 31)) & 1) == 0
	pushq	$0
	.endif
	pushq	$vector
	jmp	trap_common
	vector = vector + 1
	.endr

trap_common:
	cld
	SAVE_REGS
	/* rbx (callee-saved, restored from the frame on the way out): 1 when
	 * this entry swapped GS. */
	xorl	%ebx, %ebx
	movl	$MSR_GS_BASE, %ecx
	rdmsr
	testl	%edx, %edx
	js	1f
	swapgs
	movl	$1, %ebx
1:	movq	%rsp, %rdi
	call	do_trap
	testb	$3, PT_CS(%rsp)
	jnz	ret_from_trap		/* to user mode: it swaps back */
	testl	%ebx, %ebx
	jz	ret_from_trap
	swapgs				/* a kernel frame entered on the user's GS */
	jmp	ret_from_trap

/* Restores the frame at RSP and returns to it; the common exit. */
	.globl ret_from_trap
ret_from_trap:
	RESTORE_REGS
	addq	$16, %rsp		/* vector, error code */
	testb	$3, 8(%rsp)
	jz	2f
	swapgs
2:	iretq

/* enter_user(regs): leave the kernel through the frame regs, which sits at
 * the top of the current process's kernel stack. */
	.globl enter_user
enter_user:
	movq	%rdi, %rsp
	jmp	ret_from_trap

	.section .note.GNU-stack, "", @progbits
