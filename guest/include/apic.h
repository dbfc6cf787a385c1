/* SPDX-License-Identifier: MIT */
/*
 * The local APIC (KVM's in-kernel one), in x2APIC mode: its registers are
 * MSRs, so no MMIO page is mapped. Only the timer is used: one-shot, with
 * TSC-deadline mode when CPUID has it, else the APIC counter calibrated
 * against the TSC.
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define LOCAL_TIMER_VECTOR 0xec
#define SPURIOUS_APIC_VECTOR 0xff

/* Enables the APIC and its timer; false when there is no x2APIC. */
bool apic_init(uint64_t tsc_khz);
/* Arms the one-shot timer to fire delta_ns from now; 0 disarms it. */
void lapic_next_event(uint64_t delta_ns);
/* End of interrupt. */
void apic_eoi(void);

#endif
