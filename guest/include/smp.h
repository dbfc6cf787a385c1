/* SPDX-License-Identifier: MIT */
/*
 * SMP: starting the other CPUs (arch/x86/smpboot.c), the big kernel lock
 * and the IPIs between CPUs (kernel/smp.c). docs/architecture.md, "SMP".
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

/* The trampoline's physical page (UMBRA_AP_TRAMPOLINE; the assembly cannot
 * include umbra/boot.h's ULL constants), then its PML4, PDPT and PD. */
#define AP_TRAMPOLINE_PA 0x8000
#define AP_TRAMPOLINE_PML4 (AP_TRAMPOLINE_PA + 0x1000)
#define AP_TRAMPOLINE_PDPT (AP_TRAMPOLINE_PA + 0x2000)
#define AP_TRAMPOLINE_PD (AP_TRAMPOLINE_PA + 0x3000)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* CPUs running the kernel; 1 until smp_init() started the others. */
extern unsigned int nr_cpus_online;
/* More than one CPU may run: the big kernel lock and idle tasks are used. */
extern bool smp_active;

/* Starts the CPUs the FDT lists (at most NR_CPUS), one after another. */
void smp_init(void);

/* The big kernel lock (kernel/smp.c): taken on every kernel entry from user
 * mode or idle, given back on the way out. */
void lock_kernel(void);
void unlock_kernel(void);
/* This CPU holds it (always true with one CPU). */
bool kernel_locked(void);
/* Turn n of a spin with interrupts off: a pause, and every 64 turns the
 * answer to a pending shadow-mode kick (the CPU waited for may be in a
 * hypercall waiting for this one). */
void smp_spin_turn(unsigned int n);

/* The idle loop's bookkeeping: which CPUs wait in HLT. */
void smp_enter_idle(void);
void smp_leave_idle(void);
/* A task became runnable: wakes an idle CPU other than this one with a
 * reschedule IPI; false if none is idle. */
bool smp_kick_idle_cpu(void);
struct task_struct;
/* p may be running in user mode on another CPU: interrupt it there, so it
 * enters the kernel and sees a new signal. */
void kick_process(struct task_struct *p);
/* Makes the CPUs in the mask (other than this one) flush their TLBs, and
 * waits until they have. Called with the lock held. */
void flush_tlb_others(unsigned long cpus);
/* TLB_FLUSH_VECTOR's handler, without the lock. */
void smp_tlb_flush_ipi(void);
/* One line of IPI counts (SMP only), when init ends. */
void smp_stats_show(void);

#endif
#endif
