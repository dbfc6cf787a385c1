/* SPDX-License-Identifier: MIT */
/*
 * The CPUID a vCPU sees: KVM's supported leaves with its APIC ID and the
 * hypervisor bit; in shadow mode without KVM's paravirtual leaves.
 */
#ifndef UMBRA_VMM_CPUID_H
#define UMBRA_VMM_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

/* KVM's leaves (signature, features: kvm-clock and the other PV MSRs). */
#define CPUID_KVM_FIRST 0x40000000u
#define CPUID_KVM_LAST 0x400000ffu

/*
 * Rewrites c (a copy of KVM_GET_SUPPORTED_CPUID's) for the vCPU with APIC
 * ID id: leaf 1 EBX[31:24] and the x2APIC ID in EDX of leaves 0xB and
 * 0x1F, and leaf 1 ECX[31] ("running under a hypervisor"). shadow: KVM's
 * leaves are removed. The paravirtual MSRs they announce take guest
 * physical addresses that KVM writes to, and in shadow mode KVM's guest
 * physical memory is the VMM's machine frames: kvm-clock would write into
 * whatever frame sits at that address (a shadow page, another gfn).
 */
void cpuid_for_vcpu(struct kvm_cpuid2 *c, unsigned int id, bool shadow);

#endif
