/* SPDX-License-Identifier: MIT */
/* UMBRA_HC_STATS with a shadow MMU attached: the shadow counters are
 * present and move with the shadow hypercalls (tdp: test_devices.c). */
#include "test.h"

#include <string.h>

#include "hc_test.h"
#include "hypercall.h"
#include "shadow_sim.h"

static int64_t stat(struct hc_state *hc, uint64_t index)
{
	struct hc_outcome out;
	struct hc_call c = {UMBRA_HC_STATS, {index, 0, 0, 0, 0}};
	hc_dispatch(hc, &c, &out);
	return (int64_t)out.ret;
}

TEST(hc_stats_shadow_counters)
{
	struct guest_mem gm;
	struct stats st;
	struct hc_state hc;
	struct hc_outcome out;
	hc_test_init(&hc, &gm, &st);
	struct sim s;
	struct shadow_config cfg = {
		.efer_nxe = true, .cr4_smep = true, .cr4_smap = true,
		.maxphyaddr = 46, .prefetch = 0, .nr_vcpus = 1,
	};
	CHECK_EQ(sim_init(&s, 2048, 4096, &cfg), 0);
	hc_set_shadow(&hc, s.mmu);
	CHECK_EQ(stat(&hc, UMBRA_STAT_SHADOW_PAGES), 0);
	CHECK_EQ(stat(&hc, UMBRA_STAT_SHADOW_FILLS), 0);

	uint64_t root = g_alloc_table(&s);
	for (uint64_t i = 0; i < 4; i++)
		g_map(&s, root, 0x400000 + i * 4096, (9 + i) * 4096ull, PTE_RW | PTE_US, 1);
	struct hc_call c = {UMBRA_HC_SHADOW_AS_CREATE, {root, 0, 0, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	uint64_t asid = out.ret;
	c = (struct hc_call){UMBRA_HC_SHADOW_AS_ACTIVATE, {asid, 0, 0, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	for (uint64_t va = 0x400000; va < 0x404000; va += 4096) {
		c = (struct hc_call){UMBRA_HC_SHADOW_FAULT, {va, PFERR_U, asid, 0, 0}};
		hc_dispatch(&hc, &c, &out);
		CHECK_EQ(out.ret, UMBRA_SHADOW_HANDLED);
	}
	CHECK_EQ(stat(&hc, UMBRA_STAT_SHADOW_FAULTS_HANDLED), 4);
	CHECK_EQ(stat(&hc, UMBRA_STAT_SHADOW_FAULTS_REFLECTED), 0);
	CHECK_EQ(stat(&hc, UMBRA_STAT_SHADOW_FILLS), 4);
	CHECK_EQ(stat(&hc, UMBRA_STAT_SHADOW_PAGES), shadow_nr_pages(s.mmu));
	/* a 4-level root and one page per lower level */
	CHECK(stat(&hc, UMBRA_STAT_SHADOW_PAGES) >= 4);
	CHECK_EQ(stat(&hc, UMBRA_STAT_HC_BASE + UMBRA_HC_SHADOW_FAULT), 4);
	c = (struct hc_call){UMBRA_HC_SHADOW_INVALIDATE,
			     {asid, 0x400000, 0x404000, UMBRA_SHADOW_EV_UNMAP, 0}};
	hc_dispatch(&hc, &c, &out);
	CHECK_EQ(stat(&hc, UMBRA_STAT_SHADOW_INVALIDATIONS), 1);
	CHECK(stat(&hc, UMBRA_STAT_SHADOW_ZAPS) >= 4);
	CHECK_EQ(stat(&hc, UMBRA_STAT_SHADOW_FAULTS_HANDLED + 100), -UMBRA_EINVAL);
	/* All at once, into guest memory behind the p2m: only into a frame
	 * the guest has written (present and writable), then the same
	 * values as one by one. */
	uint64_t arr = 2040 * 4096ull;
	c = (struct hc_call){UMBRA_HC_STATS_ALL, {arr, UMBRA_STAT_MAX, 0, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	CHECK_EQ((int64_t)out.ret, -UMBRA_EFAULT);
	g_write(&s, arr, 0);
	hc_dispatch(&hc, &c, &out);
	CHECK_EQ(out.ret, UMBRA_STAT_MAX);
	int64_t v[UMBRA_STAT_MAX];
	CHECK_EQ(shadow_read_guest(s.mmu, arr, v, sizeof(v)), 0);
	CHECK_EQ(v[UMBRA_STAT_SHADOW_FAULTS_HANDLED], 4);
	CHECK_EQ(v[UMBRA_STAT_SHADOW_FILLS], 4);
	CHECK_EQ(v[UMBRA_STAT_SHADOW_INVALIDATIONS], 1);
	CHECK_EQ(v[UMBRA_STAT_SHADOW_PAGES], shadow_nr_pages(s.mmu));
	CHECK_EQ(v[UMBRA_STAT_SHADOW_ZAPS], stat(&hc, UMBRA_STAT_SHADOW_ZAPS));
	CHECK_EQ(v[UMBRA_STAT_HC_BASE + UMBRA_HC_SHADOW_FAULT], 4);
	CHECK_EQ(v[UMBRA_STAT_HC_BASE + UMBRA_HC_STATS_ALL], 2); /* the refused one too */
	/* A frame present but read-only (shared, as dedup leaves it): not
	 * written, the guest's own write fault unshares it first. */
	uint64_t ro;
	CHECK_EQ(frame_pool_alloc(&s.pool, &ro), 0);
	memset(frame_pool_ptr(&s.pool, ro), 0x5a, 4096);
	CHECK_EQ(p2m_set(&s.p2m, 2041, ro, EPTE_R | EPTE_X), 0);
	c.args[0] = 2041 * 4096ull;
	hc_dispatch(&hc, &c, &out);
	CHECK_EQ((int64_t)out.ret, -UMBRA_EFAULT);
	CHECK_EQ(*(uint8_t *)frame_pool_ptr(&s.pool, ro), 0x5a);
	/* Inside the guest-memory layout but beyond the p2m: refused. */
	c.args[0] = 3000 * 4096ull;
	hc_dispatch(&hc, &c, &out);
	CHECK_EQ((int64_t)out.ret, -UMBRA_EINVAL);
	sim_destroy(&s);
	hc_destroy(&hc);
}
