// SPDX-License-Identifier: MIT
/*
 * SMP in the kernel: a big kernel lock, as early Linux had, and the IPIs
 * between CPUs. The kernel was written for one CPU and runs with
 * interrupts off, so each CPU takes the lock when it enters the kernel from
 * user mode (a system call, an exception or interrupt: do_syscall_64,
 * do_trap) and from its idle loop's HLT, and gives it back on the way out
 * (the end of exit_to_user_mode) and before HLT. A context switch happens
 * under the lock, so the code between those points runs as on one CPU:
 * shared run queue, task lists, mm, files. Only the TLB-flush IPI is taken
 * without the lock (its sender holds it and waits).
 *
 * TLB shootdown: an idle CPU keeps the page tables of the task it ran last
 * (lazy, as Linux), so an mm can be loaded on a CPU other than the one its
 * task runs on; mm->cpu_mask says where, and a change of its tables sends
 * those CPUs a TLB-flush IPI.
 *
 * With one CPU (-c 1) nothing here is used: smp_active stays false and the
 * lock calls return at once.
 */
#include "apic.h"
#include "kernel.h"
#include "mm.h"
#include "printk.h"
#include "percpu.h"
#include "sched.h"
#include "shadow_pv.h"
#include "smp.h"
#include "x86.h"

bool smp_active;
static int kernel_flag;              /* the big kernel lock */
static unsigned long idle_cpus;      /* CPUs in (or about to enter) HLT */
static unsigned long tlb_flush_wanted; /* CPUs asked to flush, not done */

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* IPIs sent (under the lock), shown when init ends. */
static uint64_t nr_tlb_ipis, nr_resched_ipis;

/* Flushes this CPU's TLB if another CPU asked; from the IPI and from the
 * lock's spin, where interrupts are off and the asker waits. A CPU that
 * holds the mm only lazily (its idle task kept the last task's tables)
 * leaves it instead, as Linux's leave_mm: it then gets no more requests
 * for that mm, and the mm may be freed. */
void smp_tlb_flush_ipi(void)
{
	struct percpu *pc = this_cpu();
	unsigned long bit = 1UL << pc->cpu;
	if (!(__atomic_load_n(&tlb_flush_wanted, __ATOMIC_ACQUIRE) & bit))
		return;
	if (pc->active_mm && pc->active_mm != pc->current_task->mm)
		switch_mm(NULL);
	else
		native_write_cr3(read_cr3());
	__atomic_and_fetch(&tlb_flush_wanted, ~bit, __ATOMIC_RELEASE);
}

void smp_spin_turn(unsigned int n)
{
	if (n % 64 == 63)
		shadow_kick_poll();
	cpu_relax();
}

void lock_kernel(void)
{
	if (!smp_active)
		return;
	while (__atomic_exchange_n(&kernel_flag, 1, __ATOMIC_ACQUIRE)) {
		for (unsigned int n = 0; __atomic_load_n(&kernel_flag, __ATOMIC_RELAXED); n++) {
			smp_tlb_flush_ipi();
			/* The holder may be in a hypercall waiting for this
			 * CPU's TLB flush (shadow mode's kick). */
			smp_spin_turn(n);
		}
	}
	this_cpu()->bkl_depth = 1;
}

void unlock_kernel(void)
{
	if (!smp_active)
		return;
	this_cpu()->bkl_depth = 0;
	__atomic_store_n(&kernel_flag, 0, __ATOMIC_RELEASE);
}

bool kernel_locked(void)
{
	return !smp_active || this_cpu()->bkl_depth;
}

void smp_enter_idle(void)
{
	idle_cpus |= 1UL << this_cpu()->cpu;
}

void smp_leave_idle(void)
{
	idle_cpus &= ~(1UL << this_cpu()->cpu);
}

bool smp_kick_idle_cpu(void)
{
	unsigned long others = idle_cpus & ~(1UL << this_cpu()->cpu);
	if (!others)
		return false;
	unsigned int cpu = __builtin_ctzl(others);
	/* Taken: the next wake-up goes to another idle CPU. */
	idle_cpus &= ~(1UL << cpu);
	apic_send_ipi(per_cpu_area(cpu)->apic_id, APIC_DM_FIXED | RESCHEDULE_VECTOR);
	nr_resched_ipis++;
	return true;
}

void kick_process(struct task_struct *p)
{
	if (!smp_active)
		return;
	unsigned int self = this_cpu()->cpu;
	for (unsigned int cpu = 0; cpu < nr_cpus_online; cpu++) {
		struct percpu *pc = per_cpu_area(cpu);
		if (cpu != self && pc->current_task == p) {
			apic_send_ipi(pc->apic_id, APIC_DM_FIXED | RESCHEDULE_VECTOR);
			nr_resched_ipis++;
		}
	}
}

void flush_tlb_others(unsigned long cpus)
{
	cpus &= ~(1UL << this_cpu()->cpu);
	if (!cpus)
		return;
	__atomic_or_fetch(&tlb_flush_wanted, cpus, __ATOMIC_RELEASE);
	for (unsigned long m = cpus; m; m &= m - 1) {
		apic_send_ipi(per_cpu_area(__builtin_ctzl(m))->apic_id,
			      APIC_DM_FIXED | TLB_FLUSH_VECTOR);
		nr_tlb_ipis++;
	}
	for (unsigned int n = 0; __atomic_load_n(&tlb_flush_wanted, __ATOMIC_ACQUIRE) & cpus; n++) {
		/* A CPU answering may make a hypercall that kicks this one. */
		smp_spin_turn(n);
	}
}

void smp_stats_show(void)
{
	if (smp_active)
		pr_info("smp: %u CPUs, %lu reschedule IPIs, %lu TLB-flush IPIs", nr_cpus_online,
			nr_resched_ipis, nr_tlb_ipis);
}
