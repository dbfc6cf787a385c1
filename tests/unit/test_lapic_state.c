/* SPDX-License-Identifier: MIT */
/*
 * What could wake a halted vCPU (vmm/lapic_state.c): the idle watchdog
 * reports a guest waiting in HLT only when its local APIC has no timer
 * armed and no vector requested. Register pages built by hand, as
 * KVM_GET_LAPIC returns them.
 */
#include <string.h>

#include "test.h"

#include "lapic_state.h"

#define LVT_MASKED (1u << 16)
#define LVT_ONESHOT (0u << 17)
#define LVT_PERIODIC (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)

static void set(struct kvm_lapic_state *s, unsigned off, uint32_t v)
{
	memcpy(s->regs + off, &v, sizeof(v));
}

static struct kvm_lapic_state page(uint32_t lvtt, uint32_t tmcct)
{
	struct kvm_lapic_state s;
	memset(&s, 0, sizeof(s));
	set(&s, 0x320, lvtt | 0xec); /* the vector: any */
	set(&s, 0x390, tmcct);
	return s;
}

TEST(lapic_wake_tsc_deadline_mode)
{
	struct kvm_lapic_state s = page(LVT_TSC_DEADLINE, 0);
	CHECK_EQ(lapic_wake_source(&s, 0, 1000), LAPIC_WAKE_NONE);
	CHECK_EQ(lapic_wake_source(&s, 123456789, 1000), LAPIC_WAKE_TIMER);
	CHECK_EQ(lapic_wake_source(&s, 123456789, 123456788), LAPIC_WAKE_TIMER);
	/* Due, and no interrupt requested: KVM has not fired it. */
	CHECK_EQ(lapic_wake_source(&s, 123456789, 123456789), LAPIC_WAKE_OVERDUE);
	CHECK_EQ(lapic_wake_source(&s, 1000, ~0ull), LAPIC_WAKE_OVERDUE);
	/* Fired: requested, so pending whatever the deadline says. */
	set(&s, 0x200 + 0x10 * (0xec / 32), 1u << (0xec % 32));
	CHECK_EQ(lapic_wake_source(&s, 1000, 2000), LAPIC_WAKE_PENDING);
	/* The count register means nothing in this mode. */
	s = page(LVT_TSC_DEADLINE, 5);
	CHECK_EQ(lapic_wake_source(&s, 0, 0), LAPIC_WAKE_NONE);
}

TEST(lapic_wake_counter_modes)
{
	for (uint32_t mode = LVT_ONESHOT; mode <= LVT_PERIODIC; mode += LVT_PERIODIC) {
		struct kvm_lapic_state s = page(mode, 0);
		CHECK_EQ(lapic_wake_source(&s, 0, 0), LAPIC_WAKE_NONE);
		s = page(mode, 1000);
		CHECK_EQ(lapic_wake_source(&s, 0, 0), LAPIC_WAKE_TIMER);
		/* The MSR is not this mode's deadline. */
		s = page(mode, 0);
		CHECK_EQ(lapic_wake_source(&s, 99, 100), LAPIC_WAKE_NONE);
	}
}

TEST(lapic_wake_masked_timer_never_fires)
{
	struct kvm_lapic_state s = page(LVT_MASKED | LVT_ONESHOT, 1000);
	CHECK_EQ(lapic_wake_source(&s, 0, 0), LAPIC_WAKE_NONE);
	s = page(LVT_MASKED | LVT_TSC_DEADLINE, 0);
	CHECK_EQ(lapic_wake_source(&s, 42, 0), LAPIC_WAKE_NONE);
	CHECK_EQ(lapic_wake_source(&s, 42, 50), LAPIC_WAKE_NONE);
}

TEST(lapic_wake_requested_vector_in_any_irr_word)
{
	/* Each of the 8 IRR registers, lowest and highest bit: a request
	 * wakes whatever the timer does. */
	for (unsigned i = 0; i < 8; i++)
		for (unsigned bit = 0; bit < 32; bit += 31) {
			struct kvm_lapic_state s = page(LVT_MASKED, 0);
			set(&s, 0x200 + 0x10 * i, 1u << bit);
			CHECK_EQ(lapic_wake_source(&s, 0, 0), LAPIC_WAKE_PENDING);
		}
	/* ISR (in service) and TMR are not requests. */
	struct kvm_lapic_state s = page(LVT_MASKED, 0);
	set(&s, 0x100, 1); /* ISR */
	set(&s, 0x180, 1); /* TMR */
	set(&s, 0x210 + 4, 1); /* between two IRR registers */
	CHECK_EQ(lapic_wake_source(&s, 0, 0), LAPIC_WAKE_NONE);
}
