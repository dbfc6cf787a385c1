// SPDX-License-Identifier: MIT
/* The per-CPU area, GDT and TSS; see segment.h for the selector layout. */
#include "percpu.h"
#include "string.h"
#include "traps.h"
#include "x86.h"

#define DF_STACK_SIZE 4096

static struct percpu cpu_areas[NR_CPUS];
static unsigned char df_stacks[NR_CPUS][DF_STACK_SIZE] __aligned(16);

/* Flat 64-bit descriptors: base 0, limit 4G, G=1. */
#define DESC_KERNEL_CODE 0x00af9a000000ffffULL /* P, DPL0, code r/x, L */
#define DESC_KERNEL_DATA 0x00cf92000000ffffULL /* P, DPL0, data r/w */
#define DESC_USER_DATA 0x00cff2000000ffffULL   /* P, DPL3, data r/w */
#define DESC_USER_CODE 0x00affa000000ffffULL   /* P, DPL3, code r/x, L */
#define DESC_TSS_AVAILABLE 0x89ULL

static void set_tss_desc(uint64_t *gdt, const struct tss_struct *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;
	gdt[GDT_ENTRY_TSS] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			     (DESC_TSS_AVAILABLE << 40) | (((limit >> 16) & 0xf) << 48) |
			     (((base >> 24) & 0xff) << 56);
	gdt[GDT_ENTRY_TSS + 1] = base >> 32;
}

static void load_gdt(const uint64_t *gdt)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed gdtr = {GDT_ENTRIES * 8 - 1, (uint64_t)gdt};
	uint64_t tmp;

	__asm__ volatile("lgdt %1\n\t"
			 "pushq %2\n\t"
			 "leaq 1f(%%rip), %0\n\t"
			 "pushq %0\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %3, %k0\n\t"
			 "movl %k0, %%ds\n\t"
			 "movl %k0, %%es\n\t"
			 "movl %k0, %%ss\n\t"
			 "xorl %k0, %k0\n\t"
			 "movl %k0, %%fs\n\t"
			 "movl %k0, %%gs"
			 : "=&r"(tmp)
			 : "m"(gdtr), "i"((uint64_t)__KERNEL_CS), "i"(__KERNEL_DS)
			 : "memory");
	__asm__ volatile("ltr %w0" ::"r"(GDT_TSS_SEL));
}

struct percpu *per_cpu_area(unsigned int cpu)
{
	return &cpu_areas[cpu];
}

void gdt_init(unsigned int cpu)
{
	struct percpu *pc = &cpu_areas[cpu];

	pc->self = pc;
	pc->cpu = cpu;
	pc->gdt[GDT_ENTRY_KERNEL_CS] = DESC_KERNEL_CODE;
	pc->gdt[GDT_ENTRY_KERNEL_DS] = DESC_KERNEL_DATA;
	pc->gdt[GDT_ENTRY_USER_DS] = DESC_USER_DATA;
	pc->gdt[GDT_ENTRY_USER_CS] = DESC_USER_CODE;
	set_tss_desc(pc->gdt, &pc->tss);
	/* No I/O bitmap: user port I/O is a #GP. */
	pc->tss.io_bitmap_base = sizeof(pc->tss);
	pc->tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(df_stacks[cpu] + DF_STACK_SIZE);

	load_gdt(pc->gdt);
	/* Loading null selectors above may clear the bases: set them after. */
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void set_kernel_stack(uint64_t top)
{
	struct percpu *pc = this_cpu();
	pc->kernel_rsp = top;
	pc->tss.rsp[0] = top;
}
