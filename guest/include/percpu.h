/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data, reached through GS in kernel mode (user GS is swapped in
 * with swapgs on every kernel entry and exit): the entry stack pointers, the
 * current process, the GDT and the TSS, and the scheduler's and mm's state
 * of this CPU. CPU 0 is the boot CPU; smpboot.c starts the others.
 */
#ifndef GUEST_PERCPU_H
#define GUEST_PERCPU_H

#include "segment.h"

/* Offsets used by the assembly entry code. */
#define PERCPU_SELF 0
#define PERCPU_KERNEL_RSP 8 /* top of the current process's kernel stack */
#define PERCPU_USER_RSP 16  /* scratch for the syscall entry */

/* CPUs the kernel runs on at most; more in the FDT are left waiting. */
#define NR_CPUS 16

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

struct tss_struct {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t io_bitmap_base;
} __packed;

struct task_struct;

struct percpu {
	struct percpu *self;
	uint64_t kernel_rsp;
	uint64_t user_rsp;
	struct task_struct *current_task;
	unsigned int cpu;
	uint32_t apic_id;
	struct task_struct *idle_task; /* runs when nothing else can (SMP only) */
	struct mm_struct *active_mm;   /* whose tables CR3 holds; NULL: the kernel's */
	uint64_t slice_end;            /* the running task's slice, ns */
	unsigned int bkl_depth;        /* this CPU holds the big kernel lock */
	uint64_t gdt[GDT_ENTRIES] __aligned(16);
	struct tss_struct tss __aligned(16);
};

_Static_assert(offsetof(struct percpu, self) == PERCPU_SELF, "percpu");
_Static_assert(offsetof(struct percpu, kernel_rsp) == PERCPU_KERNEL_RSP, "percpu");
_Static_assert(offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "percpu");

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

#define current (this_cpu()->current_task)

/* Points this CPU's syscall and interrupt entry at a kernel stack. */
void set_kernel_stack(uint64_t top);
/* Sets up CPU cpu's per-CPU area, GDT and TSS and loads them on this CPU. */
void gdt_init(unsigned int cpu);
/* CPU cpu's area (cpu < NR_CPUS). */
struct percpu *per_cpu_area(unsigned int cpu);

#endif
#endif
