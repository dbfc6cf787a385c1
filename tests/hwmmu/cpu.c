/* SPDX-License-Identifier: MIT */
/*
 * The image's own GDT (kernel and user segments, a TSS whose RSP0 receives
 * exceptions from CPL 3), its IDT (every exception and "int $0x80" go to the
 * stubs in head.S), control-register and MSR accessors, and the CPUID
 * features the differential depends on.
 */
#include <cpuid.h>

#include "hwmmu.h"

#define TSS_SEL 0x28
#define GATE_INTR 0x8e      /* present, DPL 0, 64-bit interrupt gate */
#define GATE_INTR_DPL3 0xee /* the same, reachable by "int" from CPL 3 */
#define STUB_SIZE 16

struct tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap;
} __attribute__((packed));

struct gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t rsvd;
} __attribute__((packed));

static uint64_t gdt[10] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct gate idt[256] __attribute__((aligned(16)));
/* Exceptions from CPL 3 arrive here (TSS.RSP0). */
static uint8_t trap_stack[8192] __attribute__((aligned(16)));

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void set_gate(unsigned vec, unsigned stub, uint8_t type)
{
	uint64_t a = (uint64_t)(trap_stubs + stub * STUB_SIZE);
	idt[vec] = (struct gate){
		.off_lo = a & 0xffff, .sel = KERNEL_CS, .type = type,
		.off_mid = (a >> 16) & 0xffff, .off_hi = (uint32_t)(a >> 32),
	};
}

void cpu_tables_init(void)
{
	uint64_t t = (uint64_t)&tss;
	gdt[1] = 0x00af9b000000ffffull; /* kernel code: L, DPL 0 */
	gdt[2] = 0x00cf93000000ffffull; /* kernel data */
	gdt[3] = 0x00cff3000000ffffull; /* user data, DPL 3 */
	gdt[4] = 0x00affb000000ffffull; /* user code: L, DPL 3 */
	gdt[5] = (sizeof(tss) - 1) | ((t & 0xffffff) << 16) |
		 (0x89ull << 40) | ((t >> 24) & 0xff) << 56; /* available TSS */
	gdt[6] = t >> 32;
	/* gdt[7..8]: the LDT descriptor, set by cpu_set_ldt(). */
	gdt[9] = 0x00cf9b000000ffffull; /* 32-bit code, DPL 0 */
	tss.rsp[0] = (uint64_t)(trap_stack + sizeof(trap_stack));
	tss.iomap = sizeof(tss);

	struct dtr g = {sizeof(gdt) - 1, (uint64_t)gdt};
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\tmovl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "ltr %w3"
			 :: "m"(g), "i"(KERNEL_CS), "i"(KERNEL_DS), "r"(TSS_SEL)
			 : "rax", "memory");

	for (unsigned v = 0; v < 32; v++)
		set_gate(v, v, GATE_INTR);
	set_gate(VEC_DONE, 32, GATE_INTR_DPL3);
	struct dtr i = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" ::"m"(i));
}

/* Points the LDT at base (one page) and loads LDTR: the implicit accesses
 * read their segment descriptor there. */
void cpu_set_ldt(uint64_t base)
{
	gdt[7] = 0xfff | ((base & 0xffffff) << 16) | (0x82ull << 40) |
		 ((base >> 24) & 0xff) << 56; /* present LDT, DPL 0 */
	gdt[8] = base >> 32;
	__asm__ volatile("lldt %w0" ::"r"(LDT_SEL) : "memory");
}

void cpu_features_read(struct cpu_features *f)
{
	unsigned a, b, c, d, max;
	*f = (struct cpu_features){.maxphyaddr = 36};
	max = __get_cpuid_max(0, NULL);
	if (max >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		f->smep = b & (1u << 7);
		f->smap = b & (1u << 20);
		f->pku = c & (1u << 3);
		f->la57 = c & (1u << 16);
	}
	max = __get_cpuid_max(0x80000000, NULL);
	if (max >= 0x80000001) {
		__cpuid(0x80000001, a, b, c, d);
		f->nx = d & (1u << 20);
		f->gbpages = d & (1u << 26);
	}
	if (max >= 0x80000008) {
		__cpuid(0x80000008, a, b, c, d);
		f->maxphyaddr = a & 0xff;
	}
}

uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}

uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
}

void wrpkru(uint32_t v)
{
	__asm__ volatile("wrpkru" ::"a"(v), "c"(0), "d"(0) : "memory");
}

void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

/* An exception outside an access: a bug of the image. */
void trap_fatal(const uint64_t *frame);
void trap_fatal(const uint64_t *frame)
{
	uint64_t cr2;
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	con_printf("hwmmu: unexpected exception %lu error 0x%lx at rip 0x%lx "
		   "cs 0x%lx cr2 0x%lx\n", frame[0], frame[1], frame[2],
		   frame[3], cr2);
	hw_exit(2);
}
