// SPDX-License-Identifier: MIT
/* The IDT: every vector goes to its stub in entry_64.S, then do_trap(). */
#include "kernel.h"
#include "segment.h"
#include "traps.h"

#define GATE_INTERRUPT 0x8e /* P, DPL0, 64-bit interrupt gate (IF cleared) */
#define GATE_DPL3 0x60
#define TRAP_STUB_SIZE 16

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __packed;

extern const char trap_stubs[];
static struct idt_gate idt[NR_VECTORS] __aligned(16);

void idt_init(void)
{
	for (unsigned int v = 0; v < NR_VECTORS; v++) {
		uint64_t addr = (uint64_t)(trap_stubs + v * TRAP_STUB_SIZE);
		struct idt_gate *g = &idt[v];
		g->offset_low = addr & 0xffff;
		g->offset_mid = (addr >> 16) & 0xffff;
		g->offset_high = addr >> 32;
		g->selector = __KERNEL_CS;
		g->type = GATE_INTERRUPT;
	}
	/* int3 and into are allowed from user mode, as on Linux (SIGTRAP,
	 * SIGSEGV); other "int n" from user mode are a #GP. */
	idt[X86_TRAP_BP].type |= GATE_DPL3;
	idt[X86_TRAP_OF].type |= GATE_DPL3;
	/* A double fault may come from a bad kernel stack: use a known one. */
	idt[X86_TRAP_DF].ist = IST_DOUBLE_FAULT;
	idt_load();
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed idtr = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" ::"m"(idtr));
}
