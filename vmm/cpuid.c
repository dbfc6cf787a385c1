// SPDX-License-Identifier: MIT
/* The CPUID a vCPU sees (see cpuid.h). */
#include "cpuid.h"

void cpuid_for_vcpu(struct kvm_cpuid2 *c, unsigned int id, bool shadow)
{
	uint32_t kept = 0;
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->entries[i];
		if (shadow && e.function >= CPUID_KVM_FIRST && e.function <= CPUID_KVM_LAST)
			continue;
		if (e.function == 1) {
			e.ebx = (e.ebx & 0x00ffffffu) | (id << 24);
			/* "Running under a hypervisor": Linux then looks for
			 * KVM's leaves (kvm-clock) at 0x40000000. */
			e.ecx |= 1u << 31;
		} else if (e.function == 0xb || e.function == 0x1f) {
			e.edx = id;
		}
		c->entries[kept++] = e;
	}
	c->nent = kept;
}
