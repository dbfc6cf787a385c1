/* SPDX-License-Identifier: MIT */
/*
 * System calls: Linux x86-64 numbers (syscall_list.h), arguments in RDI,
 * RSI, RDX, R10, R8, R9, the result in RAX (a negative errno on failure).
 *
 * A subsystem defines a call as Linux does:
 *
 *	SYSCALL_DEFINE3(write, int, fd, uint64_t, buf, size_t, count)
 *	{ ... }
 *
 * which makes __x64_sys_write(struct pt_regs *), the table's entry, unpack
 * the registers into the typed arguments. User pointers are uint64_t: the
 * kernel never dereferences them (uaccess.h).
 */
#ifndef GUEST_SYSCALL_H
#define GUEST_SYSCALL_H

#include <stddef.h>
#include <stdint.h>

#include "ptrace.h"

typedef long (*syscall_fn_t)(struct pt_regs *regs);

#define __SC_ARG1(r) (r)->rdi
#define __SC_ARG2(r) (r)->rsi
#define __SC_ARG3(r) (r)->rdx
#define __SC_ARG4(r) (r)->r10
#define __SC_ARG5(r) (r)->r8
#define __SC_ARG6(r) (r)->r9

#define SYSCALL_DEFINE0(name)                                                 \
	long __x64_sys_##name(struct pt_regs *regs);                           \
	static long __do_sys_##name(void);                                     \
	long __x64_sys_##name(struct pt_regs *regs)                            \
	{                                                                      \
		(void)regs;                                                    \
		return __do_sys_##name();                                      \
	}                                                                      \
	static long __do_sys_##name(void)

#define SYSCALL_DEFINE1(name, t1, a1)                                         \
	long __x64_sys_##name(struct pt_regs *regs);                           \
	static long __do_sys_##name(t1 a1);                                    \
	long __x64_sys_##name(struct pt_regs *regs)                            \
	{                                                                      \
		return __do_sys_##name((t1)__SC_ARG1(regs));                   \
	}                                                                      \
	static long __do_sys_##name(t1 a1)

#define SYSCALL_DEFINE2(name, t1, a1, t2, a2)                                 \
	long __x64_sys_##name(struct pt_regs *regs);                           \
	static long __do_sys_##name(t1 a1, t2 a2);                             \
	long __x64_sys_##name(struct pt_regs *regs)                            \
	{                                                                      \
		return __do_sys_##name((t1)__SC_ARG1(regs), (t2)__SC_ARG2(regs)); \
	}                                                                      \
	static long __do_sys_##name(t1 a1, t2 a2)

#define SYSCALL_DEFINE3(name, t1, a1, t2, a2, t3, a3)                         \
	long __x64_sys_##name(struct pt_regs *regs);                           \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3);                      \
	long __x64_sys_##name(struct pt_regs *regs)                            \
	{                                                                      \
		return __do_sys_##name((t1)__SC_ARG1(regs), (t2)__SC_ARG2(regs), \
				       (t3)__SC_ARG3(regs));                   \
	}                                                                      \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3)

#define SYSCALL_DEFINE4(name, t1, a1, t2, a2, t3, a3, t4, a4)                 \
	long __x64_sys_##name(struct pt_regs *regs);                           \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4);               \
	long __x64_sys_##name(struct pt_regs *regs)                            \
	{                                                                      \
		return __do_sys_##name((t1)__SC_ARG1(regs), (t2)__SC_ARG2(regs), \
				       (t3)__SC_ARG3(regs), (t4)__SC_ARG4(regs)); \
	}                                                                      \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4)

#define SYSCALL_DEFINE5(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5)         \
	long __x64_sys_##name(struct pt_regs *regs);                           \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5);        \
	long __x64_sys_##name(struct pt_regs *regs)                            \
	{                                                                      \
		return __do_sys_##name((t1)__SC_ARG1(regs), (t2)__SC_ARG2(regs), \
				       (t3)__SC_ARG3(regs), (t4)__SC_ARG4(regs), \
				       (t5)__SC_ARG5(regs));                   \
	}                                                                      \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)

#define SYSCALL_DEFINE6(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) \
	long __x64_sys_##name(struct pt_regs *regs);                           \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6); \
	long __x64_sys_##name(struct pt_regs *regs)                            \
	{                                                                      \
		return __do_sys_##name((t1)__SC_ARG1(regs), (t2)__SC_ARG2(regs), \
				       (t3)__SC_ARG3(regs), (t4)__SC_ARG4(regs), \
				       (t5)__SC_ARG5(regs), (t6)__SC_ARG6(regs)); \
	}                                                                      \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6)

/* The entry from syscall_64.S. */
void do_syscall_64(struct pt_regs *regs);
/* arch/x86: the LSTAR target (syscall_64.S). */
void entry_SYSCALL_64(void);

#endif
