// SPDX-License-Identifier: MIT
/* The local APIC timer through x2APIC MSRs (see apic.h). */
#include "apic.h"
#include "printk.h"
#include "x86.h"

#define MSR_IA32_APICBASE 0x1b
#define APICBASE_ENABLE (1UL << 11)
#define APICBASE_X2APIC (1UL << 10)
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_APICID 0x802
#define MSR_X2APIC_TPR 0x808
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_SVR 0x80f
#define MSR_X2APIC_ICR 0x830
#define MSR_X2APIC_LVTT 0x832
#define MSR_X2APIC_LVT0 0x835
#define MSR_X2APIC_LVT1 0x836
#define MSR_X2APIC_TMICT 0x838
#define MSR_X2APIC_TMCCT 0x839
#define MSR_X2APIC_TDCR 0x83e

#define APIC_SVR_ENABLE (1U << 8)
#define APIC_LVT_MASKED (1U << 16)
#define APIC_LVT_TIMER_TSCDEADLINE (2U << 17)
#define APIC_TDCR_DIV_1 0xb

#define CPUID_1_ECX_X2APIC (1U << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1U << 24)

static bool tsc_deadline;
static uint64_t timer_khz; /* TSC or APIC counter kHz */
static bool enabled;

/* The APIC counter's rate against the TSC over ms milliseconds; the reads
 * of both clocks are bracketed so a vCPU preempted between them shows. */
static uint64_t calibrate_once(uint64_t tsc_khz, unsigned int ms)
{
	wrmsr(MSR_X2APIC_TDCR, APIC_TDCR_DIV_1);
	wrmsr(MSR_X2APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	wrmsr(MSR_X2APIC_TMICT, 0xffffffffu);
	uint64_t t0 = rdtsc(), c0 = rdmsr(MSR_X2APIC_TMCCT);
	while (rdtsc() - t0 < ms * tsc_khz)
		;
	uint64_t t1 = rdtsc(), c1 = rdmsr(MSR_X2APIC_TMCCT);
	wrmsr(MSR_X2APIC_TMICT, 0);
	uint64_t cycles = t1 - t0;
	return cycles && c0 > c1 ? (c0 - c1) * tsc_khz / cycles : 0;
}

/* The median of three: one run disturbed by the host does not count. */
static uint64_t calibrate_apic_khz(uint64_t tsc_khz)
{
	uint64_t a = calibrate_once(tsc_khz, 3), b = calibrate_once(tsc_khz, 3),
		 c = calibrate_once(tsc_khz, 3);
	if ((a <= b && b <= c) || (c <= b && b <= a))
		return b;
	if ((b <= a && a <= c) || (c <= a && a <= b))
		return a;
	return c;
}

/* This CPU's APIC in x2APIC mode, its timer in the mode the boot CPU chose. */
static void apic_setup_this_cpu(void)
{
	wrmsr(MSR_IA32_APICBASE, rdmsr(MSR_IA32_APICBASE) | APICBASE_ENABLE);
	wrmsr(MSR_IA32_APICBASE, rdmsr(MSR_IA32_APICBASE) | APICBASE_ENABLE | APICBASE_X2APIC);
	wrmsr(MSR_X2APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_APIC_VECTOR);
	wrmsr(MSR_X2APIC_TPR, 0);
	/* Nothing is wired to LINT0/LINT1 here (no PIC, no NMI button). */
	wrmsr(MSR_X2APIC_LVT0, APIC_LVT_MASKED);
	wrmsr(MSR_X2APIC_LVT1, APIC_LVT_MASKED);
}

static void timer_setup_this_cpu(void)
{
	if (tsc_deadline) {
		wrmsr(MSR_X2APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | LOCAL_TIMER_VECTOR);
	} else {
		wrmsr(MSR_X2APIC_TDCR, APIC_TDCR_DIV_1);
		wrmsr(MSR_X2APIC_LVTT, LOCAL_TIMER_VECTOR); /* one-shot */
	}
}

bool apic_init(uint64_t tsc_khz)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID_1_ECX_X2APIC) || !tsc_khz) {
		pr_warn("no x2APIC (or no TSC rate): no timer interrupts, no preemption");
		return false;
	}
	apic_setup_this_cpu();
	tsc_deadline = c & CPUID_1_ECX_TSC_DEADLINE;
	if (tsc_deadline) {
		timer_khz = tsc_khz;
	} else {
		timer_khz = calibrate_apic_khz(tsc_khz);
		if (!timer_khz) {
			pr_warn("the APIC timer does not count: no timer interrupts");
			return false;
		}
	}
	timer_setup_this_cpu();
	pr_info("timer: x2APIC, %s, %lu kHz", tsc_deadline ? "TSC deadline" : "one-shot counter",
		timer_khz);
	enabled = true;
	return true;
}

bool apic_init_secondary(void)
{
	if (!enabled)
		return false;
	apic_setup_this_cpu();
	timer_setup_this_cpu();
	return true;
}

bool apic_enabled(void)
{
	return enabled;
}

uint32_t apic_read_id(void)
{
	return (uint32_t)rdmsr(MSR_X2APIC_APICID);
}

void apic_send_ipi(uint32_t apic_id, uint32_t icr)
{
	/* x2APIC: one MSR write, destination in the high half; no delivery
	 * status to wait for. */
	wrmsr(MSR_X2APIC_ICR, (uint64_t)apic_id << 32 | icr);
}

void lapic_next_event(uint64_t delta_ns)
{
	if (!enabled)
		return;
	/* At least one tick; cycles = ns * kHz / 10^6, split against overflow. */
	uint64_t cycles = delta_ns ? delta_ns / 1000000 * timer_khz +
					     (delta_ns % 1000000) * timer_khz / 1000000 + 1
				   : 0;
	if (tsc_deadline) {
		wrmsr(MSR_IA32_TSC_DEADLINE, delta_ns ? rdtsc() + cycles : 0);
		return;
	}
	wrmsr(MSR_X2APIC_TMICT, cycles > 0xffffffffu ? 0xffffffffu : cycles);
}

void apic_eoi(void)
{
	if (enabled)
		wrmsr(MSR_X2APIC_EOI, 0);
}
