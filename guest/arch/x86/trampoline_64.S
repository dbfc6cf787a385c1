/* SPDX-License-Identifier: MIT */
/*
 * The real-mode start of the other CPUs (Linux: arch/x86/realmode/rm/
 * trampoline_64.S). smpboot.c copies trampoline_start..trampoline_end to
 * AP_TRAMPOLINE_PA, below 1 MiB; a STARTUP IPI with vector
 * AP_TRAMPOLINE_PA >> 12 starts a CPU here in real mode, CS:IP =
 * (AP_TRAMPOLINE_PA >> 4):0. It loads its own small GDT, enters protected
 * mode, enables PAE and long mode with the boot CPU's EFER on the
 * trampoline's page tables (the first 2 MiB at VA = PA, the kernel half as
 * the kernel's own) and jumps to secondary_startup_64 (head_64.S) at its
 * kernel address. Position-dependent: every absolute address is the
 * copy's (TR()).
 */
#include "smp.h"

#define TR(sym) ((sym) - trampoline_start + AP_TRAMPOLINE_PA)
#define X86_CR4_PAE 0x20
#define MSR_EFER 0xc0000080
/* PE, MP, ET, NE, WP, PG: what the kernel runs with (cpu.c adds nothing to CR0). */
#define CR0_LONG 0x80010033

	.section .rodata.trampoline, "a"
	.balign 16
	.globl trampoline_start
	.code16
trampoline_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	tr_gdtr - trampoline_start
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $TR(tr_protected)

	.code32
tr_protected:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$AP_TRAMPOLINE_PML4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	movl	TR(tr_efer), %eax
	xorl	%edx, %edx
	wrmsr
	movl	$CR0_LONG, %eax
	movl	%eax, %cr0
	ljmpl	$0x18, $TR(tr_long)

	.code64
tr_long:
	movq	tr_target(%rip), %rax
	jmpq	*%rax

	.balign 8
tr_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
	.quad	0x00af9a000000ffff	/* 0x18: 64-bit code */
tr_gdtr:
	.word	tr_gdtr - tr_gdt - 1
	.long	TR(tr_gdt)
	.balign 4
	.globl tr_efer
tr_efer:				/* the boot CPU's EFER (smpboot.c) */
	.long	0
	.balign 8
tr_target:
	.quad	secondary_startup_64
	.globl trampoline_end
trampoline_end:

	.section .note.GNU-stack, "", @progbits
