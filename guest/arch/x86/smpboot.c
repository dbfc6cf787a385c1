// SPDX-License-Identifier: MIT
/*
 * Starting the other CPUs as on a PC (Linux: arch/x86/kernel/smpboot.c).
 * The boot CPU copies the real-mode trampoline (trampoline_64.S) to
 * UMBRA_AP_TRAMPOLINE, the one place below 1 MiB the VMM leaves empty,
 * builds the page tables it enters long mode with, and sends each CPU the
 * FDT lists an INIT and a STARTUP IPI through its x2APIC (KVM's in-kernel
 * LAPIC delivers them to a vCPU waiting in KVM_MP_STATE_UNINITIALIZED).
 * One CPU at a time: the next is started once the last said it is up, so
 * the hand-over variables below serve them all. A started CPU runs its
 * idle task (sched.c), which waits for the big kernel lock (smp.c) and
 * then for work from the shared run queue.
 */
#include <umbra/boot.h>

#include "apic.h"
#include "bootinfo.h"
#include "hostile.h"
#include "page.h"
#include "percpu.h"
#include "pgtable.h"
#include "pmm.h"
#include "printk.h"
#include "sched.h"
#include "shadow_pv.h"
#include "smp.h"
#include "string.h"
#include "traps.h"
#include "x86.h"

_Static_assert(AP_TRAMPOLINE_PA == UMBRA_AP_TRAMPOLINE, "smp.h");
_Static_assert(AP_TRAMPOLINE_PD + PAGE_SIZE <= UMBRA_AP_TRAMPOLINE_END, "smp.h");

#define EFER_LMA (1UL << 10)
/* How long a CPU gets to say it is up after its STARTUP IPI, then after a
 * second one (as the MP spec has it); nested under TCG on a loaded host a
 * vCPU thread may wait long for a host CPU. */
#define AP_WAIT_MS 1000
#define AP_WAIT_AGAIN_MS 30000

extern const char trampoline_start[], trampoline_end[], tr_efer[];

/* For secondary_startup_64 and start_secondary: the CPU being started. */
uint64_t smp_boot_cr3, smp_boot_stack;
static unsigned int boot_cpu_nr;
static struct task_struct *boot_idle;
static volatile bool boot_cpu_up;

unsigned int nr_cpus_online = 1;

static void setup_trampoline(void)
{
	char *t = __va(AP_TRAMPOLINE_PA);
	memcpy(t, trampoline_start, trampoline_end - trampoline_start);
	/* LMA is the CPU's to set; NXE matters: the kernel's tables use NX. */
	*(uint32_t *)(t + (tr_efer - trampoline_start)) = (uint32_t)(rdmsr(MSR_EFER) & ~EFER_LMA);

	uint64_t *pml4 = __va(AP_TRAMPOLINE_PML4), *pdpt = __va(AP_TRAMPOLINE_PDPT),
		 *pd = __va(AP_TRAMPOLINE_PD);
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	memset(pd, 0, PAGE_SIZE);
	/* The first 2 MiB at VA = PA (the trampoline runs there), the kernel
	 * half shared with the kernel's own tables. */
	pml4[0] = AP_TRAMPOLINE_PDPT | _PAGE_PRESENT | _PAGE_RW;
	pdpt[0] = AP_TRAMPOLINE_PD | _PAGE_PRESENT | _PAGE_RW;
	pd[0] = _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE;
	memcpy(pml4 + PTRS_PER_TABLE / 2, (uint64_t *)__va(swapper_pg_dir) + PTRS_PER_TABLE / 2,
	       PTRS_PER_TABLE / 2 * sizeof(uint64_t));
	smp_boot_cr3 = swapper_pg_dir;
}

static bool wait_cpu_up(unsigned int ms)
{
	uint64_t start = rdtsc(), limit = (uint64_t)ms * boot_info.tsc_khz;
	while (!__atomic_load_n(&boot_cpu_up, __ATOMIC_ACQUIRE)) {
		if (rdtsc() - start > limit)
			return false;
		__asm__ volatile("pause");
	}
	return true;
}

static bool start_cpu(unsigned int cpu, uint32_t apic_id)
{
	struct task_struct *idle = idle_task_create(cpu);
	if (!idle) {
		pr_warn("smp: out of memory for cpu %u", cpu);
		return false;
	}
	boot_cpu_nr = cpu;
	boot_idle = idle;
	smp_boot_stack = idle->kstack_top;
	__atomic_store_n(&boot_cpu_up, false, __ATOMIC_RELEASE);

	if (shadow_paging) {
		/* No real mode on the p2m: the VMM starts it in long mode on
		 * the kernel's shadow root (docs/shadow.md, "SMP"). */
		if (shadow_start_cpu(apic_id, idle->kstack_top) && wait_cpu_up(AP_WAIT_AGAIN_MS))
			return true;
		pr_warn("smp: cpu %u (APIC ID %u) did not start", cpu, apic_id);
		return false;
	}
	uint32_t vector = AP_TRAMPOLINE_PA >> PAGE_SHIFT;
	apic_send_ipi(apic_id, APIC_DM_INIT | APIC_INT_ASSERT);
	apic_send_ipi(apic_id, APIC_DM_STARTUP | APIC_INT_ASSERT | vector);
	if (wait_cpu_up(AP_WAIT_MS))
		return true;
	apic_send_ipi(apic_id, APIC_DM_STARTUP | APIC_INT_ASSERT | vector);
	if (wait_cpu_up(AP_WAIT_AGAIN_MS))
		return true;
	pr_warn("smp: cpu %u (APIC ID %u) did not start", cpu, apic_id);
	/* Its stack and number stay its own: it may still come up late. */
	return false;
}

void smp_init(void)
{
	unsigned int want = boot_info.nr_cpus < NR_CPUS ? boot_info.nr_cpus : NR_CPUS;
	this_cpu()->apic_id = apic_read_id();
	if (want <= 1)
		return;
	if (boot_info.nr_cpus > NR_CPUS)
		pr_warn("smp: %u CPUs, using the first %u", boot_info.nr_cpus, NR_CPUS);
	if (!apic_enabled() || !boot_info.tsc_khz) {
		pr_warn("smp: no x2APIC timer: running on one CPU");
		return;
	}
	struct task_struct *idle = idle_task_create(0);
	if (!idle) {
		pr_warn("smp: out of memory: running on one CPU");
		return;
	}
	this_cpu()->idle_task = idle;
	/* From here the kernel is entered under the big kernel lock; the boot
	 * CPU holds it until init first enters user mode (run_init). */
	smp_active = true;
	lock_kernel();
	if (!shadow_paging)
		setup_trampoline();
	for (unsigned int cpu = 1; cpu < want; cpu++) {
		if (!start_cpu(nr_cpus_online, boot_info.apic_ids[cpu]))
			break; /* the hand-over variables may still be in use */
		nr_cpus_online++;
	}
	pr_info("smp: %u of %u CPUs up", nr_cpus_online, boot_info.nr_cpus);
}

/* The started CPU, on its idle task's stack and the kernel's tables. */
void start_secondary(void);
void start_secondary(void)
{
	unsigned int cpu = boot_cpu_nr;
	struct task_struct *idle = boot_idle;
	cpu_init();
	gdt_init(cpu);
	if (shadow_paging)
		shadow_secondary_init();
	idt_load();
	syscall_init();
	apic_init_secondary();
	struct percpu *pc = this_cpu();
	pc->apic_id = apic_read_id();
	pc->idle_task = idle;
	pc->current_task = idle;
	set_kernel_stack(idle->kstack_top);
	__atomic_store_n(&boot_cpu_up, true, __ATOMIC_RELEASE);
	hostile_secondary();
	lock_kernel();
	cpu_idle();
}
