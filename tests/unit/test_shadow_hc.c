/* SPDX-License-Identifier: MIT */
/*
 * The VMM's dispatcher (vmm/hypercall.c) with a shadow MMU attached: the
 * shadow hypercalls reach shadow/hc_shadow.c for the calling vCPU, the
 * flush and the kicks come back in the outcome; without an MMU (tdp mode)
 * they stay unknown numbers.
 */
#include "test.h"

#include "hc_test.h"
#include "hypercall.h"
#include "shadow_sim.h"

TEST(shadow_hc_dispatch_routes)
{
	struct guest_mem gm;
	struct stats st;
	struct hc_state hc;
	struct hc_outcome out;
	hc_test_init(&hc, &gm, &st);

	/* tdp: unknown. */
	struct hc_call c = {UMBRA_HC_SHADOW_AS_CREATE, {4096, 0, 0, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	CHECK_EQ(out.ret, (uint64_t)-UMBRA_ENOSYS);
	CHECK(out.log_unknown);

	/* shadow: a guest with two vCPUs on one address space. */
	struct sim s;
	struct shadow_config cfg = {
		.efer_nxe = true, .cr4_smep = true, .cr4_smap = true,
		.maxphyaddr = 46, .prefetch = ~0u, .nr_vcpus = 2,
	};
	CHECK_EQ(sim_init(&s, 2048, 4096, &cfg), 0);
	hc_set_shadow(&hc, s.mmu);
	uint64_t root = g_alloc_table(&s);
	g_map(&s, root, 0x400000, 9 * 4096ull, PTE_RW | PTE_US, 1);
	c = (struct hc_call){UMBRA_HC_SHADOW_AS_CREATE, {root, 0, 0, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	CHECK((int64_t)out.ret > 0);
	CHECK_EQ(out.action, HC_RETURN);
	uint64_t asid = out.ret;
	c = (struct hc_call){UMBRA_HC_SHADOW_AS_ACTIVATE, {asid, 0, 0, 0, 0}};
	hc_dispatch_vcpu(&hc, 1, &c, &out);
	uint64_t cr3 = out.ret;
	CHECK(frame_pool_in_use(&s.pool, cr3));
	hc_dispatch_vcpu(&hc, 0, &c, &out);
	CHECK_EQ(out.ret, cr3);
	c = (struct hc_call){UMBRA_HC_SHADOW_FAULT, {0x400000, PFERR_U | PFERR_W, asid, 0, 0}};
	hc_dispatch_vcpu(&hc, 0, &c, &out);
	CHECK_EQ(out.ret, UMBRA_SHADOW_HANDLED);
	CHECK(!out.flush_tlb);
	/* An unmap from vCPU 0: it flushes, vCPU 1 is kicked. */
	g_write(&s, g_entry(&s, root, 0x400000, 1, false), 0);
	c = (struct hc_call){UMBRA_HC_SHADOW_INVALIDATE,
			     {asid, 0x400000, 0x401000, UMBRA_SHADOW_EV_UNMAP, 0}};
	hc_dispatch_vcpu(&hc, 0, &c, &out);
	CHECK_EQ(out.ret, UMBRA_SHADOW_FLUSH); /* the guest sees "flush" */
	CHECK(out.flush_tlb);
	CHECK_EQ(out.kick_mask, 2);
	/* Other numbers are not the shadow's. */
	c = (struct hc_call){UMBRA_HC_REPORT, {UMBRA_REPORT_BOOT_NS, 5, 0, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	CHECK_EQ(out.ret, 0);
	CHECK_EQ(hc_boot_ns(&hc), 5);
	c = (struct hc_call){12, {0, 0, 0, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	CHECK_EQ(out.ret, (uint64_t)-UMBRA_ENOSYS);
	sim_destroy(&s);
	hc_destroy(&hc);
}

/* Release of the active address space, then a switch: the CPU runs on
 * the released root until it loads the CR3 AS_ACTIVATE returned, so the
 * root stays (in use, its kernel entries intact) until the vCPU's next
 * shadow hypercall, and goes then (found by hostile=calls: freeing it in
 * the switch zeroed the root under the guest, a triple fault). */
TEST(shadow_hc_released_root_outlives_the_switch)
{
	struct sim s;
	struct shadow_config cfg = {.efer_nxe = true, .maxphyaddr = 46, .nr_vcpus = 1};
	CHECK_EQ(sim_init(&s, 2048, 4096, &cfg), 0);
	const uint64_t kva = 0xffffffff80000000ull;
	uint64_t a = g_alloc_table(&s);
	for (unsigned i = 0; i < 4; i++)
		g_map(&s, a, kva + i * 4096ull, (100 + i) * 4096ull, PTE_RW, 1);
	int64_t asid_a = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, a, 0, 0, 0);
	CHECK_EQ(sim_activate(&s, (uint32_t)asid_a, a), 0);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_PIN, kva, kva + 4 * 4096, 0, 0), 0);
	uint64_t c = g_alloc_table(&s);
	g_write(&s, c + 511 * 8, g_read(&s, a + 511 * 8));
	int64_t asid_c = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, c, 0, 0, 0);
	CHECK_EQ(sim_activate(&s, (uint32_t)asid_c, c), 0);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_RELEASE, (uint64_t)asid_c, 0, 0, 0), 0);
	uint64_t old_root = s.cr3;
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_ACTIVATE, (uint64_t)asid_a, 0, 0, 0) > 0, 1);
	/* Until the next call the old CR3 still translates the kernel. */
	CHECK(frame_pool_in_use(&s.pool, old_root));
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, kva, 0, 0, false, &r), WALK_OK);
	CHECK_EQ(sim_activate(&s, (uint32_t)asid_a, a), 0);
	CHECK(!frame_pool_in_use(&s.pool, old_root));
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_ACTIVATE, (uint64_t)asid_c, 0, 0, 0), -UMBRA_EINVAL);
	sim_destroy(&s);
}
