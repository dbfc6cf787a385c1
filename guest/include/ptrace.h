/* SPDX-License-Identifier: MIT */
/*
 * The register frame on the kernel stack, built by the trap stubs and the
 * syscall entry (entry_64.S, syscall_64.S) in the same layout, so one exit
 * path serves both. Lowest address first.
 */
#ifndef GUEST_PTRACE_H
#define GUEST_PTRACE_H

#define PT_R15 0
#define PT_R14 8
#define PT_R13 16
#define PT_R12 24
#define PT_RBP 32
#define PT_RBX 40
#define PT_R11 48
#define PT_R10 56
#define PT_R9 64
#define PT_R8 72
#define PT_RAX 80
#define PT_RCX 88
#define PT_RDX 96
#define PT_RSI 104
#define PT_RDI 112
#define PT_VECTOR 120
#define PT_ERROR_CODE 128
#define PT_RIP 136
#define PT_CS 144
#define PT_RFLAGS 152
#define PT_RSP 160
#define PT_SS 168
#define PT_REGS_SIZE 176

/* PT_VECTOR of a frame built by the syscall entry rather than a trap. */
#define VECTOR_SYSCALL (-1)

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct pt_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	int64_t vector;
	uint64_t error_code;
	/* The hardware interrupt frame. */
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(offsetof(struct pt_regs, vector) == PT_VECTOR, "pt_regs");
_Static_assert(offsetof(struct pt_regs, rip) == PT_RIP, "pt_regs");
_Static_assert(sizeof(struct pt_regs) == PT_REGS_SIZE, "pt_regs");

static inline int user_mode(const struct pt_regs *regs)
{
	return (regs->cs & 3) == 3;
}

void show_regs(const struct pt_regs *regs);
#endif

#endif
