/* SPDX-License-Identifier: MIT */
/* The multiboot v1 header and the 32-bit entry of the multiboot test image. */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory information */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	/* Multiboot leaves ESP undefined: our own stack first. */
	movl $stack_top, %esp
	pushl %ebx /* the multiboot information */
	pushl %eax /* the boot magic */
	call mb_main
1:	hlt
	jmp 1b

	.bss
	.align 16
	.space 8192
stack_top:

	.section .note.GNU-stack, "", @progbits
