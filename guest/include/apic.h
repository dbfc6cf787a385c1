/* SPDX-License-Identifier: MIT */
/*
 * The local APIC (KVM's in-kernel one), in x2APIC mode: its registers are
 * MSRs, so no MMIO page is mapped. The timer is one-shot, with TSC-deadline
 * mode when CPUID has it, else the APIC counter calibrated against the TSC;
 * the interrupt command register starts the other CPUs (INIT, STARTUP) and
 * sends them IPIs.
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define LOCAL_TIMER_VECTOR 0xec
#define SPURIOUS_APIC_VECTOR 0xff
#define RESCHEDULE_VECTOR 0xfd     /* work for an idle CPU */
#define TLB_FLUSH_VECTOR 0xfb      /* flush this CPU's TLB (smp.c) */

/* Interrupt command register (low half): delivery mode, level, vector. */
#define APIC_DM_FIXED 0x000
#define APIC_DM_INIT 0x500
#define APIC_DM_STARTUP 0x600
#define APIC_INT_ASSERT 0x4000

/* Enables the APIC and its timer; false when there is no x2APIC. */
bool apic_init(uint64_t tsc_khz);
/* The same on another CPU, in the boot CPU's timer mode. */
bool apic_init_secondary(void);
bool apic_enabled(void);
uint32_t apic_read_id(void);
/* Writes the interrupt command register for the CPU with x2APIC ID apic_id. */
void apic_send_ipi(uint32_t apic_id, uint32_t icr);
/* Arms the one-shot timer to fire delta_ns from now; 0 disarms it. */
void lapic_next_event(uint64_t delta_ns);
/* End of interrupt. */
void apic_eoi(void);

#endif
