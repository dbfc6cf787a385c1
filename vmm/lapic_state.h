/* SPDX-License-Identifier: MIT */
/*
 * What could end a halted vCPU's wait, read from KVM's copy of its local
 * APIC (KVM_GET_LAPIC) and its TSC-deadline MSR: a timer that will fire,
 * or an interrupt already requested. The idle watchdog (vcpu_watch.h) asks
 * it of a guest that sits in HLT. Hosted C: the unit tests build the
 * register page by hand.
 */
#ifndef UMBRA_VMM_LAPIC_STATE_H
#define UMBRA_VMM_LAPIC_STATE_H

#include <stdint.h>

#include <linux/kvm.h>

enum lapic_wake {
	LAPIC_WAKE_NONE,    /* no timer armed, nothing requested */
	LAPIC_WAKE_TIMER,   /* the timer is counting, or a deadline is set */
	LAPIC_WAKE_PENDING, /* a vector is requested (IRR) */
	LAPIC_WAKE_OVERDUE, /* a TSC deadline passed and its interrupt is not
			     * requested: fired and lost, or not yet seen */
};

/* tsc_deadline: MSR_IA32_TSC_DEADLINE's value (0: none; only read in the
 * timer's TSC-deadline mode); tsc: the guest's TSC when s was read. */
enum lapic_wake lapic_wake_source(const struct kvm_lapic_state *s, uint64_t tsc_deadline,
				  uint64_t tsc);

#endif
