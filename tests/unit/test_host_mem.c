/* SPDX-License-Identifier: MIT */
/*
 * Host memory (shadow/host_mem.c): the backing of guest frames, the
 * notifier chain and its subscribers (the p2m, the shadow MMU), swap,
 * reclaim by aging, discard, migration and dedup with change_pte, and the
 * fault's invalidation-sequence protocol shown by injecting an
 * invalidation at each step of a fault. The random sequences with host
 * memory attached are in test_shadow_random.c.
 */
#include "test.h"

#include "shadow_sim.h"

#define UVA 0x400000ull
#define URW (PTE_RW | PTE_US)
#define NR 256

/* A p2m over a pool with host memory attached, no shadow MMU. */
struct hm_env {
	struct frame_pool pool;
	struct p2m p2m;
	struct host_mem hm;
	FILE *swap;
};

static void env_init(struct hm_env *e)
{
	memset(e, 0, sizeof(*e));
	e->swap = tmpfile();
	if (!e->swap || frame_pool_init(&e->pool, 64ull << 20, 4 * NR, NULL) ||
	    p2m_init(&e->p2m, &e->pool, NR) ||
	    host_mem_init(&e->hm, &e->p2m, fileno(e->swap)))
		abort();
}

static void env_destroy(struct hm_env *e)
{
	host_mem_destroy(&e->hm);
	p2m_destroy(&e->p2m);
	frame_pool_destroy(&e->pool);
	fclose(e->swap);
}

static uint64_t sig(uint64_t gfn)
{
	return 0x5a5a000000000000ull | gfn * 0x10001;
}

/* Writes a signature into gfn through the p2m (first touch). */
static void put_sig(struct p2m *p2m, uint64_t gfn)
{
	if (p2m_write64(p2m, gfn * 4096 + 8, sig(gfn)))
		abort();
}

static uint64_t hm_word(const struct host_mem *hm, uint64_t gpa)
{
	uint64_t v = ~0ull;
	host_mem_read(hm, gpa, &v, 8);
	return v;
}

/* Every present gfn's p2m entry equals its backing; absent ones have none. */
static bool p2m_consistent(struct hm_env *e)
{
	for (uint64_t g = 0; g < NR; g++) {
		uint64_t m;
		unsigned perms;
		if (p2m_lookup(&e->p2m, g, &m, &perms))
			continue;
		if (host_mem_state(&e->hm, g) != HM_PRESENT ||
		    (e->hm.pte[g] & 0x000ffffffffff000ull) != m ||
		    !frame_pool_in_use(&e->pool, m))
			return false;
	}
	return true;
}

TEST(host_mem_swap_round_trip)
{
	struct hm_env e;
	env_init(&e);
	for (uint64_t g = 0; g < 8; g++)
		put_sig(&e.p2m, g);
	CHECK_EQ(e.hm.resident, 8);
	CHECK_EQ(host_mem_swap_out(&e.hm, 3), 0);
	CHECK_EQ(host_mem_state(&e.hm, 3), HM_SWAPPED);
	CHECK_EQ(e.hm.resident, 7);
	uint64_t m;
	CHECK_EQ(p2m_lookup(&e.p2m, 3, &m, NULL), -ENOENT); /* the p2m heard it */
	CHECK_EQ(e.hm.stats.ev_start[HM_EV_CLEAR], 1);
	CHECK_EQ(e.hm.stats.host_released, 1);
	/* Read in place from the file, without bringing it back. */
	uint64_t v = 0;
	CHECK_EQ(p2m_read64(&e.p2m, 3 * 4096 + 8, &v), 0);
	CHECK_EQ(v, sig(3));
	CHECK_EQ(host_mem_state(&e.hm, 3), HM_SWAPPED);
	/* A fault brings it back. */
	CHECK_EQ(p2m_populate(&e.p2m, 3, &m), 0);
	CHECK_EQ(host_mem_state(&e.hm, 3), HM_PRESENT);
	CHECK_EQ(*(uint64_t *)frame_pool_ptr(&e.pool, m + 8), sig(3));
	CHECK_EQ(e.hm.stats.swap_outs, 1);
	CHECK_EQ(e.hm.stats.swap_ins, 1);
	/* An all-zero victim is dropped, not written. */
	CHECK_EQ(p2m_populate(&e.p2m, 20, &m), 0);
	CHECK_EQ(host_mem_swap_out(&e.hm, 20), 0);
	CHECK_EQ(host_mem_state(&e.hm, 20), HM_ABSENT);
	CHECK_EQ(e.hm.stats.swap_zero, 1);
	/* Pinned frames never go. */
	host_mem_pin(&e.hm, 5, 1);
	CHECK_EQ(host_mem_swap_out(&e.hm, 5), -EPERM);
	CHECK_EQ(host_mem_discard(&e.hm, 5), -EPERM);
	/* Discard (balloon): the next access sees zero. */
	CHECK_EQ(host_mem_discard(&e.hm, 6), 0);
	CHECK_EQ(hm_word(&e.hm, 6 * 4096 + 8), 0);
	CHECK_EQ(e.hm.stats.ev_start[HM_EV_UNMAP], 1);
	CHECK(p2m_consistent(&e));
	for (uint64_t g = 0; g < 8; g++)
		if (g != 6)
			CHECK_EQ(hm_word(&e.hm, g * 4096 + 8), sig(g));
	env_destroy(&e);
}

TEST(host_mem_reclaim_by_aging)
{
	struct hm_env e;
	env_init(&e);
	for (uint64_t g = 0; g < 64; g++)
		put_sig(&e.p2m, g);
	host_mem_pin(&e.hm, 0, 4);
	e.hm.limit = 16;
	/* First sweep takes youth away; the second swaps out. */
	uint64_t n = host_mem_reclaim(&e.hm, NULL, NULL);
	CHECK_EQ(n, 48);
	CHECK_EQ(e.hm.resident, 16);
	for (uint64_t g = 0; g < 4; g++)
		CHECK_EQ(host_mem_state(&e.hm, g), HM_PRESENT);
	/* A frame touched since the hand passed is kept over an old one. */
	uint64_t m, victim = 0, back = 0;
	for (uint64_t g = 4; g < 64; g++) {
		if (!victim && host_mem_state(&e.hm, g) == HM_PRESENT)
			victim = g;
		if (!back && host_mem_state(&e.hm, g) == HM_SWAPPED)
			back = g;
	}
	CHECK(victim != 0 && back != 0);
	CHECK_EQ(p2m_populate(&e.p2m, back, &m), 0); /* back in, young */
	CHECK_EQ(e.hm.resident, 17);
	CHECK_EQ(host_mem_reclaim(&e.hm, NULL, NULL), 1);
	CHECK_EQ(host_mem_state(&e.hm, back), HM_PRESENT);
	CHECK_EQ(host_mem_state(&e.hm, victim), HM_SWAPPED);
	CHECK(e.hm.stats.ev_clear_young > 0);
	for (uint64_t g = 0; g < 64; g++)
		CHECK_EQ(hm_word(&e.hm, g * 4096 + 8), sig(g));
	CHECK(p2m_consistent(&e));
	env_destroy(&e);
}

/* A gfn a mover holds locked (vmm/host_mem_vm.c: unmapped, its flush in
 * flight) is never the clock's victim, whatever its age; the lock stays
 * across the frame's changes until its holder drops it. */
TEST(host_mem_locked_gfn_is_passed_by_the_clock)
{
	struct hm_env e;
	env_init(&e);
	for (uint64_t g = 0; g < 64; g++)
		put_sig(&e.p2m, g);
	CHECK(host_mem_trylock(&e.hm, 10));
	CHECK(!host_mem_trylock(&e.hm, 10));
	CHECK(!host_mem_trylock(&e.hm, e.hm.nr_gfns));
	CHECK(host_mem_locked(&e.hm, 10) && !host_mem_locked(&e.hm, 11));
	uint64_t v[64];
	uint64_t n = host_mem_reclaim_pick(&e.hm, v, 64, NULL, NULL);
	CHECK(n > 0);
	for (uint64_t i = 0; i < n; i++)
		CHECK(v[i] != 10);
	e.hm.limit = 1;
	host_mem_reclaim(&e.hm, NULL, NULL);
	CHECK_EQ(host_mem_state(&e.hm, 10), HM_PRESENT);
	CHECK_EQ(host_mem_state(&e.hm, 11), HM_SWAPPED);
	/* Its holder moves it; the lock outlives the move and a fault. */
	uint64_t m;
	CHECK_EQ(host_mem_migrate(&e.hm, 10), 0);
	CHECK_EQ(host_mem_swap_out(&e.hm, 10), 0);
	CHECK_EQ(p2m_populate(&e.p2m, 10, &m), 0);
	CHECK(host_mem_locked(&e.hm, 10));
	host_mem_unlock(&e.hm, 10);
	CHECK(!host_mem_locked(&e.hm, 10));
	e.hm.limit = 0;
	bool picked = false;
	for (int round = 0; round < 3 && !picked; round++) {
		n = host_mem_reclaim_pick(&e.hm, v, 64, NULL, NULL);
		for (uint64_t i = 0; i < n; i++)
			picked |= v[i] == 10;
	}
	CHECK(picked);
	for (uint64_t g = 0; g < 64; g++)
		CHECK_EQ(hm_word(&e.hm, g * 4096 + 8), sig(g));
	env_destroy(&e);
}

/* Nor is it merged, on either side. */
TEST(host_mem_locked_gfn_is_not_merged)
{
	struct hm_env e;
	env_init(&e);
	for (uint64_t g = 0; g < 8; g++)
		if (p2m_write64(&e.p2m, g * 4096, 1))
			abort();
	CHECK(host_mem_trylock(&e.hm, 3));
	CHECK_EQ(host_mem_merge(&e.hm, 3, 0), -EBUSY);
	CHECK_EQ(host_mem_merge(&e.hm, 0, 3), -EBUSY);
	CHECK_EQ(host_mem_dedup_scan(&e.hm, NR, NULL, NULL), 6);
	CHECK(!host_mem_shared(&e.hm, 3));
	CHECK_EQ(host_mem_state(&e.hm, 3), HM_PRESENT);
	host_mem_unlock(&e.hm, 3);
	CHECK_EQ(host_mem_dedup_scan(&e.hm, NR, NULL, NULL), 1);
	CHECK(host_mem_shared(&e.hm, 3));
	for (uint64_t g = 0; g < 8; g++)
		CHECK_EQ(hm_word(&e.hm, g * 4096), 1);
	env_destroy(&e);
}

/* What the interleaving test injects, at one step of one fault. */
struct inject {
	enum hm_fault_step at;
	int kind;        /* 0 swap-out, 1 migrate, 2 invalidate, 3 start only */
	bool done;
	struct hm_range open;
};

static void inject_hook(struct host_mem *hm, uint64_t gfn, enum hm_fault_step s, void *o)
{
	struct inject *in = o;
	if (in->done || s != in->at)
		return;
	in->done = true;
	switch (in->kind) {
	case 0: host_mem_swap_out(hm, gfn); break;
	case 1: host_mem_migrate(hm, gfn); break;
	case 2: host_mem_invalidate(hm, gfn, 1, HM_EV_CLEAR); break;
	default:
		/* Another thread's invalidation, still running. */
		hm->invalidate_in_progress++;
		hm->inv_start = gfn;
		hm->inv_end = gfn + 1;
		break;
	}
}

/* One fault of a present frame (content sig) with an injection; returns
 * the fault's result. */
static int fault_with(struct hm_env *e, int kind, enum hm_fault_step at, bool skip_check)
{
	struct inject in = {.at = at, .kind = kind};
	uint64_t m;
	put_sig(&e->p2m, 9);
	p2m_remove(&e->p2m, 9); /* so the next access faults */
	e->hm.step_hook = inject_hook;
	e->hm.step_opaque = &in;
	e->hm.debug_skip_seq_check = skip_check;
	int r = host_mem_fault(&e->hm, 9, false, &m);
	e->hm.step_hook = NULL;
	e->hm.debug_skip_seq_check = false;
	if (kind == 3 && in.done)
		e->hm.invalidate_in_progress--;
	return r;
}

TEST(host_mem_fault_retries_when_an_invalidation_races_it)
{
	for (int kind = 0; kind < 4; kind++)
		for (int at = HM_STEP_BEGIN; at <= HM_STEP_RESOLVED; at++) {
			struct hm_env e;
			env_init(&e);
			uint64_t before = e.hm.stats.retries;
			int r = fault_with(&e, kind, (enum hm_fault_step)at, false);
			if (kind == 3) {
				/* Still in progress: the fault backs off. */
				CHECK_EQ(r, -EAGAIN);
				uint64_t m;
				CHECK_EQ(p2m_lookup(&e.p2m, 9, &m, NULL), -ENOENT);
			} else {
				CHECK_EQ(r, 0);
			}
			/* Injected after the sample: always one retry. */
			CHECK_EQ(e.hm.stats.retries - before, 1);
			CHECK(p2m_consistent(&e));
			CHECK_EQ(hm_word(&e.hm, 9 * 4096 + 8), sig(9));
			env_destroy(&e);
		}
}

/* The check matters: without it, a migration between resolve and install
 * leaves the p2m pointing at the freed old frame. */
TEST(host_mem_fault_without_the_check_installs_a_stale_frame)
{
	struct hm_env e;
	env_init(&e);
	CHECK_EQ(fault_with(&e, 1, HM_STEP_RESOLVED, true), 0);
	CHECK(!p2m_consistent(&e));
	env_destroy(&e);
	env_init(&e);
	CHECK_EQ(fault_with(&e, 0, HM_STEP_RESOLVED, true), 0);
	CHECK(!p2m_consistent(&e));
	env_destroy(&e);
}

/* A guest with one address space active, backed by host memory. */
static void setup(struct sim *s, uint64_t *root, uint32_t *asid)
{
	struct shadow_config c = {
		.efer_nxe = true, .maxphyaddr = 46, .prefetch = 0,
	};
	if (sim_init_opt(s, 2048, 4096, &c, true))
		abort();
	*root = g_alloc_table(s);
	int64_t a = sim_hc(s, UMBRA_HC_SHADOW_AS_CREATE, *root, 0, 0, 0);
	if (a <= 0 || sim_activate(s, (uint32_t)a, *root))
		abort();
	*asid = (uint32_t)a;
}

static uint64_t shadow_maddr(struct sim *s, uint64_t va, unsigned access, bool *ok)
{
	struct walk_result r;
	*ok = sim_shadow_walk(s, va, access, 3, false, &r) == WALK_OK;
	return r.gpa;
}

TEST(host_mem_shadow_swap_zaps_and_refaults)
{
	struct sim s;
	uint64_t root, m;
	uint32_t asid, ec = 0;
	bool ok;
	setup(&s, &root, &asid);
	g_map(&s, root, UVA, 7 * 4096, URW | PTE_D, 1);
	g_write(&s, 7 * 4096, 0x1234);
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_OK);
	CHECK_EQ(host_mem_swap_out(&s.hm, 7), 0);
	sim_take_kick(&s);
	shadow_maddr(&s, UVA, 0, &ok);
	CHECK(!ok); /* zapped through the rmap */
	CHECK_EQ(sim_access(&s, UVA, 0, 3, &ec), SIM_OK);
	m = shadow_maddr(&s, UVA, 0, &ok);
	CHECK(ok);
	CHECK_EQ(*(uint64_t *)frame_pool_ptr(&s.pool, m), 0x1234);
	CHECK_EQ(s.hm.stats.swap_ins, 1);
	/* The guest table itself swapped out: the walk reads it in place. */
	uint64_t pt = g_entry(&s, root, UVA, 1, false) & ~0xfffull;
	CHECK_EQ(host_mem_swap_out(&s.hm, pt >> 12), 0);
	CHECK_EQ(sim_access(&s, UVA + 4096, 0, 3, &ec), SIM_FAULT); /* not mapped */
	CHECK_EQ(sim_access(&s, UVA, 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

TEST(host_mem_change_pte_repoints_without_a_zap)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec = 0;
	bool ok;
	setup(&s, &root, &asid);
	g_map(&s, root, UVA, 7 * 4096, URW | PTE_D, 1);
	g_map(&s, root, UVA + 4096, 8 * 4096, URW | PTE_D, 1);
	g_write(&s, 7 * 4096, 0x77);
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_OK);
	uint64_t old = shadow_maddr(&s, UVA, 0, &ok);
	struct shadow_stats st;
	shadow_get_stats(s.mmu, &st);
	uint64_t zaps = st.zaps;
	/* Migration: the entry follows the frame, rights kept (nothing runs
	 * in the guest while the VMM moves it). */
	CHECK_EQ(host_mem_migrate(&s.hm, 7), 0);
	sim_take_kick(&s);
	uint64_t new = shadow_maddr(&s, UVA, 0, &ok);
	CHECK(ok);
	CHECK(new != old);
	CHECK_EQ(*(uint64_t *)frame_pool_ptr(&s.pool, new), 0x77);
	CHECK_EQ(shadow_maddr(&s, UVA, WALK_WRITE, &ok), new);
	CHECK(ok);
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.zaps, zaps);
	CHECK_EQ(st.p2m_repoints, 1);
	CHECK_EQ(s.hm.stats.ev_change_pte, 1);
	/* Dedup: 8 holds the same bytes as 7; both map one read-only frame. */
	g_write(&s, 8 * 4096, 0x77);
	CHECK_EQ(sim_access(&s, UVA + 4096, WALK_WRITE, 3, &ec), SIM_OK);
	uint64_t before = s.hm.resident;
	CHECK_EQ(host_mem_merge(&s.hm, 8, 7), 0);
	sim_take_kick(&s);
	CHECK_EQ(s.hm.resident, before - 1);
	uint64_t a = shadow_maddr(&s, UVA, 0, &ok), b = shadow_maddr(&s, UVA + 4096, 0, &ok);
	CHECK(ok);
	CHECK_EQ(a, b);
	CHECK(host_mem_shared(&s.hm, 7));
	/* A write breaks the sharing; the other keeps the old bytes. */
	CHECK_EQ(sim_access(&s, UVA + 4096, WALK_WRITE, 3, &ec), SIM_OK);
	b = shadow_maddr(&s, UVA + 4096, WALK_WRITE, &ok);
	CHECK(ok);
	CHECK(a != b);
	*(uint64_t *)frame_pool_ptr(&s.pool, b) = 0x88;
	CHECK_EQ(*(uint64_t *)frame_pool_ptr(&s.pool, a), 0x77);
	CHECK_EQ(s.hm.stats.unshares, 1);
	CHECK(!host_mem_shared(&s.hm, 7));
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_OK); /* last user: W */
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_check_tlb(&s);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

TEST(host_mem_dedup_scan_merges_equal_frames)
{
	struct hm_env e;
	env_init(&e);
	for (uint64_t g = 0; g < 32; g++)
		if (p2m_write64(&e.p2m, g * 4096, g % 4)) /* four distinct contents */
			abort();
	CHECK_EQ(host_mem_dedup_scan(&e.hm, NR, NULL, NULL), 28);
	CHECK_EQ(e.hm.resident, 4);
	CHECK_EQ(e.hm.stats.merges, 28);
	for (uint64_t g = 0; g < 32; g++)
		CHECK_EQ(hm_word(&e.hm, g * 4096), g % 4);
	/* Writes through the p2m break sharing one at a time. */
	CHECK_EQ(p2m_write64(&e.p2m, 5 * 4096, 99), 0);
	CHECK_EQ(hm_word(&e.hm, 5 * 4096), 99);
	CHECK_EQ(hm_word(&e.hm, 1 * 4096), 1);
	CHECK_EQ(hm_word(&e.hm, 9 * 4096), 1);
	CHECK(p2m_consistent(&e));
	env_destroy(&e);
}

/* gfns below 16 are refused (for the VMM: a 2M region holding another
 * vCPU's kernel stack). */
static bool above_15(void *opaque, uint64_t gfn)
{
	(void)opaque;
	return gfn >= 16;
}

TEST(host_mem_dedup_and_reclaim_take_only_what_ok_accepts)
{
	struct hm_env e;
	env_init(&e);
	for (uint64_t g = 0; g < 32; g++)
		if (p2m_write64(&e.p2m, g * 4096, g % 4))
			abort();
	/* Only 16..31 merge: 12 of their 16 frames go. */
	CHECK_EQ(host_mem_dedup_scan(&e.hm, NR, above_15, NULL), 12);
	for (uint64_t g = 0; g < 16; g++)
		CHECK(!host_mem_shared(&e.hm, g));
	CHECK_EQ(e.hm.resident, 20);
	/* Reclaim down to nothing takes none of 0..15. */
	e.hm.limit = 1;
	host_mem_reclaim(&e.hm, above_15, NULL);
	for (uint64_t g = 0; g < 16; g++)
		CHECK_EQ(host_mem_state(&e.hm, g), HM_PRESENT);
	for (uint64_t g = 0; g < 32; g++)
		CHECK_EQ(hm_word(&e.hm, g * 4096), g % 4);
	CHECK(p2m_consistent(&e));
	env_destroy(&e);
}

/* Swapped-out shared frames are never chosen; releasing notifies all. */
TEST(host_mem_release_and_events)
{
	struct hm_env e;
	env_init(&e);
	put_sig(&e.p2m, 1);
	host_mem_invalidate(&e.hm, 0, 4, HM_EV_CLEAR);
	uint64_t m;
	CHECK_EQ(p2m_lookup(&e.p2m, 1, &m, NULL), -ENOENT);
	CHECK_EQ(hm_word(&e.hm, 4096 + 8), sig(1));
	CHECK_EQ(e.hm.stats.ev_end, 1);
	CHECK_EQ(e.hm.invalidate_in_progress, 0);
	CHECK_EQ(e.hm.invalidate_seq, 1);
	host_mem_destroy(&e.hm);
	CHECK(e.hm.pte == NULL);
	p2m_destroy(&e.p2m);
	frame_pool_destroy(&e.pool);
	fclose(e.swap);
}

/* Host memory's changes to a fault slot's frame reach a poll thread's
 * watch (shadow_fault_slots_gen): a migration moves the pointer, a
 * swap-out drops it (the watch is incomplete until the guest's touch
 * brings the frame back, unannounced), a merge makes it read-only. */
TEST(host_mem_changes_to_a_fault_slot_are_announced)
{
	struct sim s;
	uint64_t root;
	uint32_t asid;
	setup(&s, &root, &asid);
	const uint64_t gfn = 20, other = 21;
	g_write(&s, gfn << 12, 0);
	g_write(&s, other << 12, 0);
	CHECK_EQ(shadow_set_fault_slot(s.mmu, 0, gfn << 12), 0);
	const struct umbra_shadow_fault_slot *watch[SHADOW_MAX_VCPUS];
	bool complete = false;
	CHECK_EQ(shadow_fault_slots_watch(s.mmu, watch, &complete), 1);
	CHECK(complete);
	const void *before = watch[0];
	uint32_t gen = shadow_fault_slots_gen(s.mmu);

	CHECK_EQ(host_mem_migrate(&s.hm, gfn), 0);
	CHECK(shadow_fault_slots_gen(s.mmu) != gen);
	gen = shadow_fault_slots_gen(s.mmu);
	CHECK_EQ(shadow_fault_slots_watch(s.mmu, watch, &complete), 1);
	CHECK(complete);
	CHECK(watch[0] != before);

	CHECK_EQ(host_mem_swap_out(&s.hm, gfn), 0);
	CHECK(shadow_fault_slots_gen(s.mmu) != gen);
	gen = shadow_fault_slots_gen(s.mmu);
	CHECK_EQ(shadow_fault_slots_watch(s.mmu, watch, &complete), 0);
	CHECK(!complete);
	g_write(&s, gfn << 12, 0); /* the guest's touch: swapped in */
	CHECK_EQ(shadow_fault_slots_gen(s.mmu), gen);
	CHECK_EQ(shadow_fault_slots_watch(s.mmu, watch, &complete), 1);
	CHECK(complete);

	/* Both frames hold zeros: merged, the slot's frame is read-only. */
	CHECK_EQ(host_mem_merge(&s.hm, gfn, other), 0);
	CHECK(shadow_fault_slots_gen(s.mmu) != gen);
	CHECK_EQ(shadow_fault_slots_watch(s.mmu, watch, &complete), 0);
	CHECK(!complete);
	sim_destroy(&s);
}
