/* SPDX-License-Identifier: MIT */
/* CPU setup and exception handling (arch/x86). */
#ifndef GUEST_TRAPS_H
#define GUEST_TRAPS_H

#include "ptrace.h"

#define X86_TRAP_DE 0
#define X86_TRAP_DB 1
#define X86_TRAP_NMI 2
#define X86_TRAP_BP 3
#define X86_TRAP_OF 4
#define X86_TRAP_BR 5
#define X86_TRAP_UD 6
#define X86_TRAP_NM 7
#define X86_TRAP_DF 8
#define X86_TRAP_OLD_MF 9
#define X86_TRAP_TS 10
#define X86_TRAP_NP 11
#define X86_TRAP_SS 12
#define X86_TRAP_GP 13
#define X86_TRAP_PF 14
#define X86_TRAP_MF 16
#define X86_TRAP_AC 17
#define X86_TRAP_MC 18
#define X86_TRAP_XF 19
#define X86_TRAP_VE 20
#define X86_TRAP_CP 21
#define NR_EXCEPTIONS 32
#define NR_VECTORS 256

/* Page-fault error code bits. */
#define X86_PF_PROT (1UL << 0)
#define X86_PF_WRITE (1UL << 1)
#define X86_PF_USER (1UL << 2)
#define X86_PF_RSVD (1UL << 3)
#define X86_PF_INSTR (1UL << 4)

/* IST slot (1-based, as in the gate) for exceptions that must not trust RSP. */
#define IST_DOUBLE_FAULT 1

/* cpu.c */
void cpu_init(void);
/* gdt.c: gdt_init() is in percpu.h. idt.c: builds the IDT and loads it;
 * idt_load() loads it on another CPU. */
void idt_init(void);
void idt_load(void);
/* syscall setup (arch/x86/cpu.c) */
void syscall_init(void);
/* traps.c: called by the stubs with the saved frame. */
void do_trap(struct pt_regs *regs);

/* entry_64.S: return to the frame at regs (used to enter user mode). */
__attribute__((noreturn)) void enter_user(struct pt_regs *regs);

#endif
