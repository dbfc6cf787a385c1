/* SPDX-License-Identifier: MIT */
/*
 * The CPUID a vCPU sees (vmm/cpuid.c): its APIC ID where CPUID tells it,
 * the hypervisor bit, and in shadow mode no KVM paravirtual leaves (their
 * MSRs take addresses KVM would write machine frames at).
 */
#include <stdlib.h>

#include "test.h"

#include "cpuid.h"

static struct kvm_cpuid2 *sample(void)
{
	static const uint32_t fns[] = {0, 1, 0xb, 0x40000000, 0x40000001, 0x80000001, 0x1f};
	unsigned n = sizeof(fns) / sizeof(fns[0]);
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	c->nent = n;
	for (unsigned i = 0; i < n; i++) {
		c->entries[i].function = fns[i];
		c->entries[i].ebx = 0xab123456;
		c->entries[i].ecx = 0x11;
		c->entries[i].edx = 0x22;
	}
	return c;
}

static const struct kvm_cpuid_entry2 *leaf(const struct kvm_cpuid2 *c, uint32_t fn)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn)
			return &c->entries[i];
	return NULL;
}

TEST(cpuid_for_vcpu_ids_and_kvm_leaves)
{
	struct kvm_cpuid2 *c = sample();
	cpuid_for_vcpu(c, 3, false);
	CHECK_EQ(c->nent, 7u);
	CHECK_EQ(leaf(c, 1)->ebx, 0x03123456u);
	CHECK_EQ(leaf(c, 1)->ecx, 0x11u | 1u << 31);
	CHECK_EQ(leaf(c, 0xb)->edx, 3u);
	CHECK_EQ(leaf(c, 0x1f)->edx, 3u);
	CHECK_EQ(leaf(c, 0x80000001)->edx, 0x22u);
	CHECK(leaf(c, 0x40000000) && leaf(c, 0x40000001));
	free(c);
	/* Shadow mode: KVM's leaves go, the others stay in order. */
	c = sample();
	cpuid_for_vcpu(c, 1, true);
	CHECK_EQ(c->nent, 5u);
	CHECK(!leaf(c, 0x40000000) && !leaf(c, 0x40000001));
	CHECK_EQ(c->entries[4].function, 0x1fu);
	CHECK_EQ(leaf(c, 0x1f)->edx, 1u);
	CHECK_EQ(leaf(c, 1)->ebx, 0x01123456u);
	free(c);
}
