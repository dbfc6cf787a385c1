/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data, reached through GS in kernel mode (user GS is swapped in
 * with swapgs on every kernel entry and exit). Only CPU 0 runs for now, but
 * everything per CPU lives here: the entry stack pointers, the current
 * process, the GDT and the TSS.
 */
#ifndef GUEST_PERCPU_H
#define GUEST_PERCPU_H

#include "segment.h"

/* Offsets used by the assembly entry code. */
#define PERCPU_SELF 0
#define PERCPU_KERNEL_RSP 8 /* top of the current process's kernel stack */
#define PERCPU_USER_RSP 16  /* scratch for the syscall entry */

#define NR_CPUS 1

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

#endif
#endif
