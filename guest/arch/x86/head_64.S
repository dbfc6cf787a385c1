/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry from the VMM (include/umbra/boot.h): 64-bit mode, running at
 * the kernel's link address through the boot tables, RDI = FDT physical
 * address, a tiny boot stack in RSP.
 */
	.section .head.text, "ax"
	.code64
	.globl _start
_start:
	/* The boot-time measurement starts here, before anything else. */
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %r12
	movq	%rdi, %r13

	cld
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_stop(%rip), %rcx
	subq	%rdi, %rcx
	shrq	$3, %rcx
	xorl	%eax, %eax
	rep stosq

	leaq	boot_stack_top(%rip), %rsp
	movq	%r12, boot_tsc(%rip)
	movq	%r13, %rdi
	xorl	%ebp, %ebp
	call	start_kernel
	ud2

/*
 * The other CPUs, from the trampoline (trampoline_64.S): long mode on the
 * trampoline's tables, interrupts off. smpboot.c left the kernel's tables
 * and this CPU's stack in smp_boot_cr3 and smp_boot_stack.
 */
	.globl secondary_startup_64
secondary_startup_64:
	movq	smp_boot_cr3(%rip), %rax
	movq	%rax, %cr3
	movq	smp_boot_stack(%rip), %rsp
	xorl	%ebp, %ebp
	call	start_secondary
	ud2

/*
 * Shadow mode (docs/shadow.md "SMP"): the VMM starts the CPU here in long
 * mode, on the kernel's shadow root and its idle stack (SMP_START_CPU).
 */
	.globl secondary_startup_shadow
secondary_startup_shadow:
	xorl	%ebp, %ebp
	call	start_secondary
	ud2

	.section .bss
	.balign 16
boot_stack:
	.skip	16384
boot_stack_top:

	.globl boot_tsc
	.balign 8
boot_tsc:
	.skip	8

	.section .note.GNU-stack, "", @progbits
