/* SPDX-License-Identifier: MIT */
/* A halted vCPU's wake-up sources in its local APIC (see lapic_state.h). */
#include "lapic_state.h"

#include <string.h>

/* Register offsets in the APIC page (Intel SDM vol. 3, table 11-1). */
#define APIC_IRR 0x200
#define APIC_LVTT 0x320
#define APIC_TMCCT 0x390
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_TIMER_MASK (3u << 17)
#define APIC_LVT_TIMER_TSCDEADLINE (2u << 17)

static uint32_t reg(const struct kvm_lapic_state *s, unsigned off)
{
	uint32_t v;
	memcpy(&v, s->regs + off, sizeof(v));
	return v;
}

enum lapic_wake lapic_wake_source(const struct kvm_lapic_state *s, uint64_t tsc_deadline,
				  uint64_t tsc)
{
	/* The 256 request bits, 32 per 16-byte-aligned register. */
	for (unsigned i = 0; i < 8; i++)
		if (reg(s, APIC_IRR + 0x10 * i))
			return LAPIC_WAKE_PENDING;
	uint32_t lvtt = reg(s, APIC_LVTT);
	if (lvtt & APIC_LVT_MASKED)
		return LAPIC_WAKE_NONE;
	/* KVM clears the deadline once the timer's interrupt is in IRR; in
	 * one-shot and periodic mode its snapshot has the current count
	 * (filled in by KVM_GET_LAPIC in the kernels of these years). */
	if ((lvtt & APIC_LVT_TIMER_MASK) == APIC_LVT_TIMER_TSCDEADLINE)
		return !tsc_deadline ? LAPIC_WAKE_NONE
		       : tsc >= tsc_deadline ? LAPIC_WAKE_OVERDUE : LAPIC_WAKE_TIMER;
	return reg(s, APIC_TMCCT) ? LAPIC_WAKE_TIMER : LAPIC_WAKE_NONE;
}
