/* SPDX-License-Identifier: MIT */
/*
 * The context switch (Linux: __switch_to_asm in arch/x86/entry/entry_64.S):
 * the callee-saved registers of prev go on its kernel stack, its stack
 * pointer into prev->thread.rsp; next's are loaded. Returns prev (RAX) in
 * the context of next. A new task starts in ret_from_fork.
 */
	.text
	/* struct task_struct *__switch_to_asm(uint64_t *prev_rsp, uint64_t next_rsp,
	 *				       struct task_struct *prev) */
	.globl __switch_to_asm
__switch_to_asm:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	movq	%rdx, %rax
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	/* copy_thread() left a switch frame returning here, right below the
	 * child's pt_regs: finish the switch, then leave through that frame. */
	.globl ret_from_fork
ret_from_fork:
	movq	%rax, %rdi
	movq	%rsp, %rsi
	call	schedule_tail
	jmp	ret_from_trap

	/* An idle task's first switch frame returns here (idle_task_create):
	 * RAX is prev, as after any switch. */
	.globl ret_from_idle_start
ret_from_idle_start:
	movq	%rax, %rdi
	call	idle_task_start
	ud2

	.section .note.GNU-stack, "", @progbits
