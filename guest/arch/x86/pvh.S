/* SPDX-License-Identifier: MIT */
/*
 * PVH entry, for a boot through firmware (umbra run --bios, docs/boot.md):
 * the firmware's PVH option ROM jumps here in 32-bit protected mode, paging
 * off, flat segments, EBX = its hvm_start_info (unused: the VMM's FDT has
 * everything). This builds the same state the VMM sets up for a direct boot
 * (include/umbra/boot.h) — boot page tables at UMBRA_BOOT_PGTABLE, the boot
 * GDT's selectors, long mode — and enters _start with RDI = the FDT, whose
 * address the VMM gives in the fw_cfg file "etc/umbra/fdt" (pvh_fdt_address).
 */
#include <umbra/boot.h>

#define PA(sym) ((sym) - UMBRA_KERNEL_VBASE)
#define PML4 UMBRA_BOOT_PGTABLE
#define ID_PDPT (UMBRA_BOOT_PGTABLE + 0x1000)
#define K_PDPT (UMBRA_BOOT_PGTABLE + 0x2000)
#define ID_PD0 (UMBRA_BOOT_PGTABLE + 0x3000) /* four: 0-4 GiB */
#define TABLES_END (ID_PD0 + 4 * 0x1000)
#define PTE_TABLE 0x03 /* present, writable */
#define PTE_HUGE 0x83  /* present, writable, 2 MiB */

/* XEN_ELFNOTE_PHYS32_ENTRY: where a PVH loader enters (physical). */
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 4, 4, 18
	.asciz "Xen"
	.balign 4
	.long PA(pvh_start32)
	.popsection

	.section .head.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	lgdt	PA(pvh_gdt_desc)
	movl	$UMBRA_BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$PA(pvh_stack_top), %esp

	/* Boot tables as the VMM writes them: identity 0-4 GiB, and
	 * UMBRA_KERNEL_VBASE + pa for the first GiB (the identity's first PD). */
	movl	$PML4, %edi
	movl	$(TABLES_END - PML4) / 4, %ecx
	xorl	%eax, %eax
	rep stosl
	movl	$(ID_PDPT + PTE_TABLE), PML4
	movl	$(K_PDPT + PTE_TABLE), PML4 + 8 * ((UMBRA_KERNEL_VBASE >> 39) & 511)
	movl	$(ID_PD0 + PTE_TABLE), K_PDPT + 8 * ((UMBRA_KERNEL_VBASE >> 30) & 511)
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$(ID_PD0 + PTE_TABLE), %eax
	movl	%eax, ID_PDPT(, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b
	/* 2048 2 MiB entries; entry i maps i * 2 MiB (high half in bits 32+). */
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$PTE_HUGE, %eax
	movl	%eax, ID_PD0(, %ecx, 8)
	movl	%ecx, %eax
	shrl	$11, %eax
	movl	%eax, ID_PD0 + 4(, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	movl	%cr4, %eax
	orl	$(1 << 5), %eax /* PAE */
	movl	%eax, %cr4
	movl	$PML4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx /* EFER */
	rdmsr
	orl	$(1 << 8), %eax /* LME */
	wrmsr
	/* PG, WP, NE, ET, MP, PE: the VMM's boot CR0. */
	movl	$0x80050033, %eax
	movl	%eax, %cr0
	ljmp	$UMBRA_BOOT_CS, $PA(pvh_start64)

	.code64
pvh_start64:
	/* Still at the physical address; go to the link address. */
	movabsq	$pvh_high, %rax
	jmp	*%rax
pvh_high:
	movabsq	$pvh_stack_top, %rsp
	call	pvh_fdt_address
	movq	%rax, %rdi
	jmp	_start

	.section .rodata
	.balign 8
pvh_gdt:
	.quad	0
	.quad	0x00af9a000000ffff /* UMBRA_BOOT_CS: 64-bit code */
	.quad	0x00cf92000000ffff /* UMBRA_BOOT_DS: data */
pvh_gdt_desc:
	.word	pvh_gdt_desc - pvh_gdt - 1
	.long	PA(pvh_gdt)

	/* Not in .bss: _start clears that. */
	.section .data
	.balign 16
pvh_stack:
	.skip	1024
pvh_stack_top:

	.section .note.GNU-stack, "", @progbits
