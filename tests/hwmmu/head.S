/* SPDX-License-Identifier: MIT */
/*
 * Entry, exception stubs and the access trampoline of the hardware
 * differential image (see docs/walker.md, "Hardware differential").
 *
 * run_access() saves the harness's callee-saved registers and stack, then
 * IRETQs to an access stub at CPL 0 or 3. Every way the access can end -- a
 * #PF, any other exception, or the "int $0x80" that follows a completed
 * access -- lands in trap_common, which records the event and resumes the
 * harness as if run_access() had returned. Exceptions outside an access are
 * fatal (trap_fatal).
 */
	.section .head.text, "ax"
	.code64
	.globl _start
_start:
	movq	%rdi, %rbx		/* FDT physical address */
	cld
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_stop(%rip), %rcx
	subq	%rdi, %rcx
	shrq	$3, %rcx
	xorl	%eax, %eax
	rep stosq
	leaq	boot_stack_top(%rip), %rsp
	movq	%rbx, %rdi
	xorl	%ebp, %ebp
	call	hw_main
1:	hlt
	jmp	1b

	.text
/* Stubs: vectors with a CPU error code push only the vector. */
.macro STUB vec
	.balign 16
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	trap_common
.endm

	.balign 16
	.globl trap_stubs
trap_stubs:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \vec
	.endr
	/* Vector 32 in the table: "int $0x80", the end of a completed access. */
	STUB 0x80

trap_common:
	/* Frame: vector, error code, RIP, CS, RFLAGS, RSP, SS. */
	movq	0(%rsp), %rax
	movq	%rax, ev_vector(%rip)
	movq	8(%rsp), %rax
	movq	%rax, ev_error(%rip)
	movq	16(%rsp), %rax
	movq	%rax, ev_rip(%rip)
	movq	24(%rsp), %rax
	movq	%rax, ev_cs(%rip)
	movq	%cr2, %rax
	movq	%rax, ev_cr2(%rip)
	cmpb	$0, in_access(%rip)
	je	1f
	movb	$0, in_access(%rip)
	movq	saved_rsp(%rip), %rsp
	/* An implicit access may have left DS on an LDT descriptor. */
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	/* EFLAGS.AC may still be set from the access: clear it (and DF). */
	pushq	$2
	popfq
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
1:	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	trap_fatal
2:	hlt
	jmp	2b

/* void run_access(rip, cs, rflags, rsp, ss, target) */
	.globl run_access
run_access:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, saved_rsp(%rip)
	movb	$1, in_access(%rip)
	pushq	%r8
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	movq	%r9, %rdi
	iretq

/*
 * void enter_la57(uint64_t pml5): CR4.LA57 can change only outside long
 * mode. Far-return to 32-bit compatibility code (below 4 GiB, identity
 * mapped), clear CR0.PG (which leaves long mode), set CR4.LA57 and CR3,
 * set CR0.PG again (EFER.LME is still 1: long mode, now 5-level) and
 * far-jump back to 64-bit code. The registers the caller keeps are saved
 * on the stack (the upper halves do not survive 32-bit mode).
 */
	.globl enter_la57
enter_la57:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rdi, %rsi
	leaq	1f(%rip), %rax
	pushq	$0x48
	pushq	%rax
	lretq
	.code32
1:	movl	%cr0, %eax
	andl	$0x7fffffff, %eax
	movl	%eax, %cr0
	movl	%cr4, %eax
	orl	$(1 << 12), %eax
	movl	%eax, %cr4
	movl	%esi, %cr3
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	ljmp	$0x08, $2f
	.code64
2:	movl	%esp, %esp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/* The access stubs: one access at (%rdi), then "int $0x80"; *_end is the
 * RIP the int pushes. Their page is also mapped user-accessible
 * (hwmmu.ld). A fetch jumps to the target, which holds "int $0x80" itself.
 * acc_implicit loads DS with selector 7 (LDT index 0, RPL 3): the CPU
 * reads the descriptor at the LDT base, which the harness sets to the
 * target -- an implicit supervisor-mode access even at CPL 3 -- and, if
 * the descriptor's accessed bit is clear, writes it back with the bit set. */
	.section .user_text, "ax"
	.globl acc_read, acc_write, acc_fetch, acc_implicit
	.globl acc_read_end, acc_write_end, acc_implicit_end
acc_read:
	movb	(%rdi), %al
	int	$0x80
acc_read_end:
acc_write:
	movb	$0x5a, (%rdi)
	int	$0x80
acc_write_end:
acc_fetch:
	jmp	*%rdi
acc_implicit:
	movl	$7, %eax
	movl	%eax, %ds
	int	$0x80
acc_implicit_end:

	.section .bss
	.balign 16
	.skip	16384
	.globl boot_stack_top
boot_stack_top:
	.balign 8
saved_rsp:
	.skip	8
	.globl in_access, ev_vector, ev_error, ev_rip, ev_cs, ev_cr2
in_access:
	.skip	8
ev_vector:
	.skip	8
ev_error:
	.skip	8
ev_rip:
	.skip	8
ev_cs:
	.skip	8
ev_cr2:
	.skip	8

	.section .note.GNU-stack, "", @progbits
