/* SPDX-License-Identifier: MIT */
/*
 * Exception and interrupt entry. Each of the 256 vectors has a 16-byte stub
 * (idt.c points gate N at trap_stubs + 16 * N) that pushes a dummy error
 * code where the CPU pushes none, then the vector, and joins trap_common,
 * which saves the registers as a struct pt_regs and calls do_trap().
 * Entries from user mode swap GS to reach the per-CPU area.
 */
#include "calling.h"
#include "ptrace.h"

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
	/* CS of the interrupted context sits above the vector and error code. */
	testb	$3, 24(%rsp)
	jz	1f
	swapgs
1:	SAVE_REGS
	movq	%rsp, %rdi
	call	do_trap
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
