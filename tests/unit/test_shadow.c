/* SPDX-License-Identifier: MIT */
/*
 * Directed tests of the shadow MMU (shadow/mmu*.c, p2m.c, frame_pool.c,
 * hc_shadow.c) on a simulated guest (shadow_sim.h): fills, A/D emulation,
 * reflection with the guest's error code, prefetch, 2M entries, budgets,
 * the root cache, release, the batch queue, hostile tables, the audit.
 * The random sequences are in test_shadow_random.c.
 */
#include "test.h"

#include "shadow_sim.h"

#define UVA 0x400000ull
#define URW (PTE_RW | PTE_US)

static struct shadow_config cfg_default(void)
{
	struct shadow_config c = {
		.efer_nxe = true, .cr4_smep = true, .cr4_smap = true,
		.maxphyaddr = 46, .prefetch = ~0u,
	};
	return c;
}

/* A guest with one address space active. */
static void setup(struct sim *s, const struct shadow_config *c, uint64_t *root,
		  uint32_t *asid)
{
	if (sim_init(s, 2048, 4096, c))
		abort();
	*root = g_alloc_table(s);
	int64_t a = sim_hc(s, UMBRA_HC_SHADOW_AS_CREATE, *root, 0, 0, 0);
	if (a <= 0 || sim_activate(s, (uint32_t)a, *root))
		abort();
	*asid = (uint32_t)a;
}

TEST(p2m_first_touch_not_identity)
{
	struct frame_pool fp;
	struct p2m p2m;
	CHECK_EQ(frame_pool_init(&fp, 1ull << 30, 2048, NULL), 0);
	CHECK_EQ(p2m_init(&p2m, &fp, 1024), 0);
	uint64_t m, m2, g;
	unsigned perms;
	CHECK_EQ(p2m_lookup(&p2m, 5, &m, &perms), -ENOENT);
	CHECK_EQ(p2m_lookup(&p2m, 1024, &m, &perms), -EINVAL);
	CHECK_EQ(p2m_populate(&p2m, 5, &m), 0);
	CHECK(m != 5 * 4096ull && frame_pool_in_use(&fp, m));
	CHECK_EQ(p2m_populate(&p2m, 5, &m2), 0);
	CHECK_EQ(m2, m);
	CHECK_EQ(p2m_populate(&p2m, 6, &m2), 0);
	CHECK(m2 != m + 4096); /* scattered */
	CHECK_EQ(p2m_m2p(&p2m, m, &g), 0);
	CHECK_EQ(g, 5);
	CHECK_EQ(p2m_lookup(&p2m, 5, &m2, &perms), 0);
	CHECK_EQ(perms, EPTE_RWX);
	/* Read-only, then a write breaks the host copy-on-write. */
	*(uint64_t *)frame_pool_ptr(&fp, m) = 42;
	CHECK_EQ(p2m_set(&p2m, 5, m, EPTE_R | EPTE_X), 0);
	CHECK_EQ(p2m_write64(&p2m, 5 * 4096 + 8, 7), 0);
	CHECK_EQ(p2m_lookup(&p2m, 5, &m2, &perms), 0);
	CHECK(m2 != m && (perms & EPTE_W));
	uint64_t v;
	CHECK_EQ(p2m_read64(&p2m, 5 * 4096, &v), 0);
	CHECK_EQ(v, 42);
	CHECK_EQ(p2m_clear(&p2m, 5, true), 0);
	CHECK_EQ(p2m_lookup(&p2m, 5, &m2, &perms), -ENOENT);
	CHECK_EQ(p2m_m2p(&p2m, m2, &g), -ENOENT);
	/* Untouched memory reads as zero without taking a frame. */
	uint64_t before = fp.nfree;
	CHECK_EQ(p2m_read64(&p2m, 100 * 4096, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(fp.nfree, before);
	CHECK(p2m_read64(&p2m, 1024 * 4096, &v) != 0);
	/* Whole 2M regions on first touch, when asked. */
	p2m.large_first_touch = true;
	CHECK_EQ(p2m_populate(&p2m, 512 + 3, &m), 0);
	CHECK_EQ(p2m_lookup(&p2m, 512, &m2, &perms), 0);
	CHECK_EQ(m2 & ((2u << 20) - 1), 0);
	CHECK_EQ(m, m2 + 3 * 4096);
	p2m_destroy(&p2m);
	frame_pool_destroy(&fp);
}

TEST(shadow_fill_and_dirty_emulation)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec = 0;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	g_map(&s, root, UVA, 7 * 4096, URW, 1);
	CHECK_EQ(sim_access(&s, UVA + 8, 0, 3, &ec), SIM_OK);
	uint64_t pte = g_read(&s, g_entry(&s, root, UVA, 1, false));
	CHECK(pte & PTE_A);
	CHECK(!(pte & PTE_D));
	/* Clean: the shadow is read-only, so the write faults once more. */
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, UVA, WALK_WRITE, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_OK);
	pte = g_read(&s, g_entry(&s, root, UVA, 1, false));
	CHECK(pte & PTE_D);
	CHECK_EQ(sim_shadow_walk(&s, UVA, WALK_WRITE, 3, false, &r), WALK_OK);
	uint64_t m;
	CHECK_EQ(p2m_lookup(&s.p2m, 7, &m, NULL), 0);
	CHECK_EQ(r.gpa, m);
	/* NX is kept: a fetch is reflected with the guest's error code. */
	CHECK_EQ(sim_access(&s, UVA, WALK_FETCH, 3, &ec), SIM_OK);
	g_write(&s, g_entry(&s, root, UVA, 1, false), pte | PTE_NX);
	sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, UVA, UVA + 4096,
	       UMBRA_SHADOW_EV_PROTECTION);
	CHECK_EQ(sim_access(&s, UVA, WALK_FETCH, 3, &ec), SIM_FAULT);
	CHECK_EQ(ec, PFERR_P | PFERR_U | PFERR_ID);
	/* Not mapped: not-present error code. */
	CHECK_EQ(sim_access(&s, UVA + 4096, WALK_WRITE, 3, &ec), SIM_FAULT);
	CHECK_EQ(ec, PFERR_W | PFERR_U);
	/* SMAP: a supervisor read of a user page needs AC. */
	CHECK_EQ(sim_access(&s, UVA, 0, 0, &ec), SIM_FAULT);
	CHECK_EQ(ec, PFERR_P);
	s.ac = true;
	CHECK_EQ(sim_access(&s, UVA, 0, 0, &ec), SIM_OK);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	struct shadow_stats st;
	shadow_get_stats(s.mmu, &st);
	CHECK(st.faults_handled >= 2);
	CHECK(st.faults_reflected >= 3);
	sim_destroy(&s);
}

TEST(shadow_prefetch_accessed_neighbours)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	/* 16 pages; the even ones were used (A), and their frames exist. */
	for (unsigned i = 0; i < 16; i++) {
		g_map(&s, root, UVA + i * 4096ull, (100 + i) * 4096ull,
		      URW | ((i % 2 == 0) ? PTE_A : 0), 1);
		g_write(&s, (100 + i) * 4096ull, i);
	}
	CHECK_EQ(sim_access(&s, UVA + 2 * 4096, 0, 3, &ec), SIM_OK);
	struct shadow_stats st;
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.fills, 1);
	CHECK_EQ(st.prefetched, 7); /* 0,4,6,..,14: 8 even pages less the fault */
	CHECK_EQ(st.prefetch_used, 0);
	CHECK_EQ(sim_access(&s, UVA + 4 * 4096, 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_access(&s, UVA + 6 * 4096, 0, 3, &ec), SIM_OK);
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.fills, 1);          /* no further fault */
	CHECK_EQ(st.prefetch_used, 2);  /* the CPU set A on two of them */
	CHECK_EQ(sim_audit(&s), 0);
	sim_destroy(&s);

	/* Prefetch 0: every page faults. */
	c.prefetch = 0;
	setup(&s, &c, &root, &asid);
	for (unsigned i = 0; i < 4; i++) {
		g_map(&s, root, UVA + i * 4096ull, (100 + i) * 4096ull, URW | PTE_A, 1);
		g_write(&s, (100 + i) * 4096ull, i);
	}
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(sim_access(&s, UVA + i * 4096ull, 0, 3, &ec), SIM_OK);
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.fills, 4);
	CHECK_EQ(st.prefetched, 0);
	sim_destroy(&s);
}

TEST(shadow_large_pages)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	s.p2m.large_first_touch = true;
	/* Guest 2M page at gpa 2M: the p2m takes an aligned run. */
	g_map(&s, root, 0x40000000, 2ull << 20, URW | PTE_D, 2);
	CHECK_EQ(sim_access(&s, 0x40000000 + 0x12345, WALK_WRITE, 3, &ec), SIM_OK);
	struct shadow_stats st;
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.fills_2m, 1);
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, 0x40000000 + 0x1ff000, WALK_WRITE, 3, false, &r), WALK_OK);
	CHECK_EQ(r.page_size, 2u << 20);
	CHECK_EQ(sim_audit(&s), 0);
	/* A host change to one frame zaps the 2M entry through the rmap. */
	uint64_t m;
	CHECK_EQ(p2m_lookup(&s.p2m, 512 + 9, &m, NULL), 0);
	CHECK_EQ(p2m_set(&s.p2m, 512 + 9, m, EPTE_R | EPTE_X), 0);
	CHECK_EQ(sim_shadow_walk(&s, 0x40000000, 0, 3, false, &r), WALK_PF);
	/* Now not uniformly writable: 4K entries under a direct page. */
	CHECK_EQ(sim_access(&s, 0x40000000 + 9 * 4096, 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_shadow_walk(&s, 0x40000000 + 9 * 4096, 0, 3, false, &r), WALK_OK);
	CHECK_EQ(r.page_size, 4096);
	CHECK_EQ(sim_shadow_walk(&s, 0x40000000 + 9 * 4096, WALK_WRITE, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_access(&s, 0x40000000 + 9 * 4096, WALK_WRITE, 3, &ec), SIM_OK);
	CHECK_EQ(sim_audit(&s), 0);

	/* Scattered machine frames: 4K pieces, still exact. */
	s.p2m.large_first_touch = false;
	g_map(&s, root, 0x40200000, 4ull << 20, URW, 2);
	CHECK_EQ(sim_access(&s, 0x40200000 + 0x5000, 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_access(&s, 0x40200000 + 0x5000, WALK_WRITE, 3, &ec), SIM_OK);
	CHECK_EQ(sim_access(&s, 0x40200000 + 0x6000, 0, 3, &ec), SIM_OK);
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.fills_2m, 1);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

TEST(shadow_invalidate_zaps)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	for (unsigned i = 0; i < 8; i++)
		g_map(&s, root, UVA + i * 4096ull, (200 + i) * 4096ull, URW | PTE_A | PTE_D, 1);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(sim_access(&s, UVA + i * 4096ull, WALK_WRITE, 3, &ec), SIM_OK);
	/* Unmap page 3: after the invalidation it faults. */
	g_write(&s, g_entry(&s, root, UVA + 3 * 4096, 1, false), 0);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, UVA + 3 * 4096,
			UVA + 4 * 4096, UMBRA_SHADOW_EV_UNMAP), 0);
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, UVA + 3 * 4096, 0, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_shadow_walk(&s, UVA + 4 * 4096, 0, 3, false, &r), WALK_OK);
	/* Write-protect (fork): entries stay, read-only. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 0, 1ull << 47,
			UMBRA_SHADOW_EV_WRPROTECT), 0);
	CHECK_EQ(sim_shadow_walk(&s, UVA + 4 * 4096, 0, 3, false, &r), WALK_OK);
	CHECK_EQ(sim_shadow_walk(&s, UVA + 4 * 4096, WALK_WRITE, 3, false, &r), WALK_PF);
	/* Bad arguments. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid + 1, 0, 4096, 1), -UMBRA_EINVAL);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 0, 4096, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 0, 4096, 99), -UMBRA_EINVAL);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 8192, 4096, 1), 0);
	CHECK_EQ(sim_hc(&s, 99, 0, 0, 0, 0), -UMBRA_ENOSYS);
	/* Everything (end 0: the top). */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, UMBRA_SHADOW_ASID_ALL, 0, 0,
			UMBRA_SHADOW_EV_CLEAR), 0);
	CHECK_EQ(shadow_nr_pages(s.mmu), 1); /* only the root is left */
	CHECK_EQ(sim_audit(&s), 0);
	sim_destroy(&s);
}

/* A zap starts at the range's first entry of each table and stops past
 * its end (mmu_as.c first_entry): the pages just inside and just outside a
 * range that crosses the non-canonical hole, and ranges inside the hole. */
TEST(shadow_invalidate_across_the_halves)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	const uint64_t va[] = {
		UVA, 0x7fffffffe000ull, 0x7ffffffff000ull,
		0xffff800000000000ull, 0xffff800000001000ull, 0xffffffffffffe000ull,
	};
	const unsigned n = sizeof(va) / sizeof(va[0]);
	struct walk_result r;
	for (unsigned i = 0; i < n; i++) {
		g_map(&s, root, va[i], (300 + i) * 4096ull, URW | PTE_A | PTE_D, 1);
		CHECK_EQ(sim_access(&s, va[i], WALK_WRITE, 3, &ec), SIM_OK);
	}
	/* Inside the hole: nothing. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 0x800000000000ull,
			0xffff7ffffffff000ull, UMBRA_SHADOW_EV_UNMAP), 0);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(sim_shadow_walk(&s, va[i], 0, 3, false, &r), WALK_OK);
	/* The last low page and the first high one. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 0x7ffffffff000ull,
			0xffff800000001000ull, UMBRA_SHADOW_EV_UNMAP), 0);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(sim_shadow_walk(&s, va[i], 0, 3, false, &r),
			 i == 2 || i == 3 ? WALK_PF : WALK_OK);
	/* One page inside an upper-half table (a sign-extended base). */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 0xffff800000001000ull,
			0xffff800000002000ull, UMBRA_SHADOW_EV_UNMAP), 0);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(sim_shadow_walk(&s, va[i], 0, 3, false, &r),
			 i >= 2 && i <= 4 ? WALK_PF : WALK_OK);
	/* From inside the hole to the top (end 0): the upper half. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 0x900000000000ull, 0,
			UMBRA_SHADOW_EV_UNMAP), 0);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(sim_shadow_walk(&s, va[i], 0, 3, false, &r),
			 i >= 2 ? WALK_PF : WALK_OK);
	/* A range ending below the first page of a table. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, UVA - 4096, UVA,
			UMBRA_SHADOW_EV_UNMAP), 0);
	CHECK_EQ(sim_shadow_walk(&s, UVA, 0, 3, false, &r), WALK_OK);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, UVA, UVA + 1,
			UMBRA_SHADOW_EV_UNMAP), 0);
	CHECK_EQ(sim_shadow_walk(&s, UVA, 0, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_audit(&s), 0);
	sim_destroy(&s);
}

/* The machine addresses of the shadow tables below the root on va's path
 * (the entries the CPU's walk reads, levels 3..1). */
static void shadow_tables(struct sim *s, uint64_t va, uint64_t t[3])
{
	struct walk_result r;
	memset(t, 0, 3 * sizeof(*t));
	if (sim_shadow_walk(s, va, 0, 3, false, &r) != WALK_OK || r.nlevels != 4)
		return;
	for (unsigned i = 0; i < 3; i++)
		t[i] = r.pte_gpa[i + 1] & ~0xfffull;
}

static bool one_of(uint64_t x, const uint64_t t[3])
{
	return x && (x == t[0] || x == t[1] || x == t[2]);
}

/* A shadow table freed while a vCPU may still hold it in its TLB or
 * paging-structure caches is handed out again first (the pool's hot list)
 * only once every vCPU made a call after the flush it owed: with one vCPU
 * at its next call, with two not before the other one's. */
TEST(shadow_freed_tables_wait_for_flushes)
{
	struct sim s;
	uint64_t root, t[3], t2[3];
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	c.nr_vcpus = 2;
	setup(&s, &c, &root, &asid);
	const uint64_t va2 = UVA + (1ull << 30); /* tables of its own below L3 */
	g_map(&s, root, UVA, 7 * 4096, URW | PTE_A | PTE_D, 1);
	g_map(&s, root, va2, 8 * 4096, URW | PTE_A | PTE_D, 1);
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_OK);
	shadow_tables(&s, UVA, t);
	CHECK(t[0] && t[1] && t[2]);
	/* One vCPU running: its next call is after its flush. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 0, 0, UMBRA_SHADOW_EV_UNMAP), 0);
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_OK);
	shadow_tables(&s, UVA, t2);
	for (unsigned i = 0; i < 3; i++)
		CHECK(one_of(t2[i], t));
	memcpy(t, t2, sizeof(t));
	/* vCPU 1 runs the address space too (its CR3 load done: a call). */
	s.vcpu = 1;
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_ACTIVATE, asid, 0, 0, 0), (int64_t)s.cr3);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0), 0);
	/* vCPU 0 unmaps and faults again: vCPU 1 owes a flush, so the
	 * tables come from elsewhere. */
	s.vcpu = 0;
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 0, 0, UMBRA_SHADOW_EV_UNMAP), 0);
	CHECK_EQ(shadow_pending_flushes(s.mmu, 0), 2);
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_OK);
	uint64_t u[3];
	shadow_tables(&s, UVA, u);
	for (unsigned i = 0; i < 3; i++)
		CHECK(u[i] && !one_of(u[i], t));
	/* vCPU 1 is kicked, flushes, and calls again: va2's two new tables
	 * are frames freed before. */
	CHECK(shadow_take_tlb_flush(s.mmu, 1));
	s.vcpu = 1;
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0), 0);
	s.vcpu = 0;
	CHECK_EQ(sim_access(&s, va2, WALK_WRITE, 3, &ec), SIM_OK);
	shadow_tables(&s, va2, t2);
	CHECK_EQ(t2[0], u[0]);
	CHECK(one_of(t2[1], t) && one_of(t2[2], t));
	CHECK_EQ(sim_audit(&s), 0);
	sim_destroy(&s);
}

static unsigned free_headers(const struct shadow_mmu *mmu)
{
	unsigned n = 0;
	for (const struct kvm_mmu_page *sp = mmu->sp_free; sp; sp = sp->hash_next)
		n++;
	return n;
}

/* A freed shadow page's header is kept and handed to the next new page
 * (not given back to malloc); it comes back as new: a released address
 * space's root reused below another root is no root, and carries no
 * present entries or parents of its old page. */
TEST(shadow_page_headers_are_reused_clean)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	g_map(&s, root, UVA, 16 * 4096, URW | PTE_A | PTE_D, 1);
	uint64_t root2 = g_alloc_table(&s);
	g_map(&s, root2, UVA, 17 * 4096, URW | PTE_A | PTE_D, 1);
	int64_t asid2 = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, root2, 0, 0, 0);
	CHECK(asid2 > 0);
	CHECK_EQ(sim_activate(&s, (uint32_t)asid2, root2), 0);
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_OK);
	CHECK_EQ(sim_activate(&s, asid, root), 0);
	CHECK_EQ(free_headers(s.mmu), 0);
	/* The second space's root and its three tables go at the next call. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, (uint64_t)asid2, 0, 0,
			UMBRA_SHADOW_EV_RELEASE), 0);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0), 0);
	CHECK_EQ(free_headers(s.mmu), 4);
	CHECK_EQ(s.mmu->nr_sps, 1);
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_OK);
	CHECK_EQ(free_headers(s.mmu), 1);
	unsigned roots = 0, leaves = 0;
	for (struct kvm_mmu_page *sp = s.mmu->active.next; sp != &s.mmu->active; sp = sp->next) {
		unsigned bits = 0;
		for (unsigned i = 0; i < 8; i++)
			bits += (unsigned)__builtin_popcountll(sp->present[i]);
		CHECK_EQ(bits, sp->nr_present);
		roots += sp->root;
		if (sp->root)
			continue;
		CHECK_EQ(sp->nr_parents, 1);
		if (sp->role.level == 1) {
			leaves++;
			CHECK(sp->nr_present >= 1);
		} else {
			CHECK_EQ(sp->nr_present, 1);
		}
	}
	CHECK_EQ(roots, 1);
	CHECK_EQ(s.mmu->nr_roots, 1);
	CHECK_EQ(leaves, 1);
	CHECK_EQ(sim_audit(&s), 0);
	sim_destroy(&s);
}

/* A fault below a shadowed leaf table walks the guest's last level only:
 * the levels above are what the shadow path was built from (the guest
 * invalidates any change there), so their entries are not read or marked
 * accessed again. Once the guest moved the range to another table and
 * invalidated it, the path is gone and the next fault walks in full. */
TEST(shadow_fault_below_a_shadowed_table_walks_one_level)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	c.prefetch = 0;
	setup(&s, &c, &root, &asid);
	g_map(&s, root, UVA, 16 * 4096, URW, 1);
	g_map(&s, root, UVA + 4096, 17 * 4096, URW, 1);
	CHECK_EQ(sim_access(&s, UVA, 0, 3, &ec), SIM_OK);
	uint64_t pde = g_entry(&s, root, UVA, 2, false);
	CHECK(g_read(&s, pde) & PTE_A);
	g_write(&s, pde, g_read(&s, pde) & ~PTE_A);
	uint64_t handled = s.mmu->stats.faults_handled;
	CHECK_EQ(sim_access(&s, UVA + 4096, WALK_WRITE, 3, &ec), SIM_OK);
	CHECK_EQ(s.mmu->stats.faults_handled, handled + 1);
	CHECK(!(g_read(&s, pde) & PTE_A));
	CHECK(g_read(&s, g_entry(&s, root, UVA + 4096, 1, false)) & PTE_D);
	/* The guest moves the 2M range to a new table, other frames. */
	uint64_t pt2 = g_alloc_table(&s);
	g_write(&s, pt2 + ((UVA >> 12) & 511) * 8, 20 * 4096 | URW | PTE_P);
	g_write(&s, pde, pt2 | SIM_TABLE);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, UVA & ~0x1fffffull,
			(UVA & ~0x1fffffull) + 0x200000, UMBRA_SHADOW_EV_UNMAP), 0);
	sim_tlb_flush(&s);
	CHECK_EQ(sim_access(&s, UVA, 0, 3, &ec), SIM_OK);
	CHECK(g_read(&s, pde) & PTE_A);
	CHECK_EQ(sim_access(&s, UVA + 4096, 0, 3, &ec), SIM_FAULT);
	CHECK_EQ(s.violations, 0);
	CHECK_EQ(sim_audit(&s), 0);
	sim_destroy(&s);
}

/* The short walk and the rights of the levels above: a PDE without W
 * refuses a write below it; a WRPROTECT of the range after the guest took W
 * from the PDE does too (the table's role still grants W); W given back to
 * the PDE without an invalidation (none is needed) lets the write through,
 * not reflected for ever; and a table the guest freed after an UNMAP of
 * part of its span, then reused as data, is never read through a stale
 * path. */
TEST(shadow_short_walk_rights_and_freed_tables)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	c.prefetch = 0;
	setup(&s, &c, &root, &asid);
	const uint64_t span = UVA & ~0x1fffffull;
	for (unsigned i = 0; i < 4; i++)
		g_map(&s, root, UVA + i * 4096, (16 + i) * 4096, URW, 1);
	uint64_t pde = g_entry(&s, root, UVA, 2, false);
	g_write(&s, pde, g_read(&s, pde) & ~PTE_RW);
	CHECK_EQ(sim_access(&s, UVA, 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_access(&s, UVA + 4096, WALK_WRITE, 3, &ec), SIM_FAULT);
	CHECK_EQ(ec, PFERR_P | PFERR_W | PFERR_U);
	/* Widened without an invalidation. */
	g_write(&s, pde, g_read(&s, pde) | PTE_RW);
	CHECK_EQ(sim_access(&s, UVA + 4096, WALK_WRITE, 3, &ec), SIM_OK);
	/* Narrowed with a WRPROTECT of the range. */
	g_write(&s, pde, g_read(&s, pde) & ~PTE_RW);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, span, span + 0x200000,
			UMBRA_SHADOW_EV_WRPROTECT), 0);
	sim_tlb_flush(&s);
	CHECK_EQ(sim_access(&s, UVA + 2 * 4096, WALK_WRITE, 3, &ec), SIM_FAULT);
	CHECK_EQ(sim_access(&s, UVA + 2 * 4096, 0, 3, &ec), SIM_OK);
	/* Unmapped (part of the span), the table freed and reused as data
	 * whose "entry" for UVA+3 pages points elsewhere; a new table maps it. */
	uint64_t pt = g_read(&s, pde) & ~0xfffull & ((1ull << 46) - 1);
	for (unsigned i = 0; i < 4; i++)
		g_write(&s, pt + ((UVA >> 12) & 511) * 8 + i * 8, 0);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, UVA, UVA + 4 * 4096,
			UMBRA_SHADOW_EV_UNMAP), 0);
	sim_tlb_flush(&s);
	g_write(&s, pt + ((UVA >> 12) & 511) * 8 + 3 * 8, 30 * 4096 | URW | PTE_P | PTE_A);
	uint64_t pt2 = g_alloc_table(&s);
	g_write(&s, pt2 + ((UVA >> 12) & 511) * 8 + 3 * 8, 20 * 4096 | URW | PTE_P);
	g_write(&s, pde, pt2 | SIM_TABLE);
	CHECK_EQ(sim_access(&s, UVA + 3 * 4096, 0, 3, &ec), SIM_OK);
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, UVA + 3 * 4096, 0, 3, false, &r), WALK_OK);
	uint64_t m;
	CHECK_EQ(p2m_lookup(&s.p2m, 20, &m, NULL), 0);
	CHECK_EQ(r.gpa & ~0xfffull, m);
	CHECK_EQ(s.violations, 0);
	CHECK_EQ(sim_audit(&s), 0);
	sim_destroy(&s);
}

TEST(shadow_tiny_budget_and_roots)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	c.budget_pages = 4; /* the floor: root + one page per level */
	c.max_roots = 2;
	setup(&s, &c, &root, &asid);
	CHECK_EQ(shadow_budget(s.mmu), 4);
	uint64_t vas[] = {UVA, 0x7fff00000000ull, 0x10000000000ull, 0x40000000ull};
	for (unsigned i = 0; i < 4; i++)
		g_map(&s, root, vas[i], (300 + i) * 4096ull, URW, 1);
	for (int round = 0; round < 3; round++)
		for (unsigned i = 0; i < 4; i++) {
			CHECK_EQ(sim_access(&s, vas[i], WALK_WRITE, 3, &ec), SIM_OK);
			CHECK(shadow_nr_pages(s.mmu) <= 4);
		}
	struct shadow_stats st;
	shadow_get_stats(s.mmu, &st);
	CHECK(st.sp_evicted > 0);
	CHECK_EQ(sim_audit(&s), 0);
	/* Three address spaces with room for two roots. */
	uint64_t roots[3] = {root};
	uint32_t ids[3] = {asid};
	for (int i = 1; i < 3; i++) {
		roots[i] = g_alloc_table(&s);
		g_map(&s, roots[i], UVA, (400 + i) * 4096ull, URW, 1);
		ids[i] = (uint32_t)sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, roots[i], 0, 0, 0);
		CHECK(ids[i] > 0 && ids[i] != ids[i - 1]);
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 3; i++) {
			CHECK_EQ(sim_activate(&s, ids[i], roots[i]), 0);
			CHECK_EQ(sim_access(&s, UVA, 0, 3, &ec), SIM_OK);
		}
	shadow_get_stats(s.mmu, &st);
	CHECK(st.roots_evicted >= 3);
	CHECK_EQ(st.root_switches, 6);
	/* Release the active one: kept (user half gone) until the switch. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_RELEASE, ids[2], 0, 0, 0), 0);
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, UVA, 0, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_RELEASE, ids[2], 0, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_ACTIVATE, ids[2], 0, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_activate(&s, ids[0], roots[0]), 0);
	/* The released asid is never an address space again. */
	int64_t again = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, roots[2], 0, 0, 0);
	CHECK(again > 0 && (uint32_t)again != ids[2]);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_ACTIVATE, ids[2], 0, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, 4097, 0, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

/* What the guest does in shadow mode: fork's write-protect (WRPROTECT)
 * and an unmap (UNMAP) and mprotect of X (PROTECTION) go through the
 * queue, take effect at the next synchronous call with the flush flag in
 * its result; the write-protected entries stay readable, and when the
 * guest gives W back, one write fault upgrades the neighbours too. */
TEST(shadow_queue_event_kinds)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	const unsigned n = 16;
	for (unsigned i = 0; i < n; i++) {
		g_map(&s, root, UVA + i * 4096ull, (300 + i) * 4096ull, URW | PTE_A | PTE_D, 1);
		CHECK_EQ(sim_access(&s, UVA + i * 4096ull, WALK_WRITE, 3, &ec), SIM_OK);
	}
	uint64_t ring_gpa = 60 * 4096;
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_QUEUE, ring_gpa, 0, 0, 0), 0);
	struct umbra_shadow_ring *ring = p2m_writable_ptr(&s.p2m, ring_gpa);
	ring->size = UMBRA_SHADOW_RING_SIZE;
	struct shadow_stats before, st;
	shadow_get_stats(s.mmu, &before);
	/* fork: the parent's entries lose W. */
	for (unsigned i = 0; i < n; i++) {
		uint64_t ea = g_entry(&s, root, UVA + i * 4096ull, 1, false);
		g_write(&s, ea, g_read(&s, ea) & ~PTE_RW);
	}
	ring->ops[ring->head++ % UMBRA_SHADOW_RING_SIZE] = (struct umbra_shadow_op){
		UVA, UVA + n * 4096ull, asid, UMBRA_SHADOW_EV_WRPROTECT};
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, UVA, WALK_WRITE, 3, false, &r), WALK_OK); /* deferred */
	uint64_t a[5] = {0};
	bool flush = false;
	int64_t ret = shadow_hypercall(s.mmu, s.vcpu, UMBRA_HC_SHADOW_SYNC, a, &flush);
	CHECK(flush);
	CHECK_EQ((uint64_t)ret, UMBRA_SHADOW_FLUSH | 1);
	sim_tlb_flush(&s); /* what the guest does on the flag */
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.zaps, before.zaps);
	CHECK_EQ(st.wrprotects - before.wrprotects, n);
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(sim_shadow_walk(&s, UVA + i * 4096ull, 0, 3, false, &r), WALK_OK);
		CHECK_EQ(sim_shadow_walk(&s, UVA + i * 4096ull, WALK_WRITE, 3, false, &r), WALK_PF);
	}
	CHECK_EQ(sim_audit(&s), 0);
	/* A write now is the guest's (its entry is read-only). */
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_FAULT);
	CHECK_EQ(ec, PFERR_P | PFERR_W | PFERR_U);
	/* The guest gives W back (COW reuse, mprotect): no invalidation. One
	 * write fault upgrades the whole prefetch window. */
	for (unsigned i = 0; i < n; i++) {
		uint64_t ea = g_entry(&s, root, UVA + i * 4096ull, 1, false);
		g_write(&s, ea, g_read(&s, ea) | PTE_RW);
	}
	shadow_get_stats(s.mmu, &before);
	CHECK_EQ(sim_access(&s, UVA + 5 * 4096ull, WALK_WRITE, 3, &ec), SIM_OK);
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.faults_handled - before.faults_handled, 1);
	CHECK_EQ(st.prefetch_upgraded - before.prefetch_upgraded, n - 1);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(sim_shadow_walk(&s, UVA + i * 4096ull, WALK_WRITE, 3, false, &r), WALK_OK);
	/* munmap of one page, mprotect taking X from another: zapped. */
	g_write(&s, g_entry(&s, root, UVA + 3 * 4096ull, 1, false), 0);
	ring->ops[ring->head++ % UMBRA_SHADOW_RING_SIZE] = (struct umbra_shadow_op){
		UVA + 3 * 4096ull, UVA + 4 * 4096ull, asid, UMBRA_SHADOW_EV_UNMAP};
	uint64_t ea = g_entry(&s, root, UVA + 4 * 4096ull, 1, false);
	g_write(&s, ea, g_read(&s, ea) | PTE_NX);
	ring->ops[ring->head++ % UMBRA_SHADOW_RING_SIZE] = (struct umbra_shadow_op){
		UVA + 4 * 4096ull, UVA + 5 * 4096ull, asid, UMBRA_SHADOW_EV_PROTECTION};
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0), 2);
	CHECK(s.flushed);
	CHECK_EQ(sim_shadow_walk(&s, UVA + 3 * 4096ull, 0, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_shadow_walk(&s, UVA + 4 * 4096ull, WALK_FETCH, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_access(&s, UVA + 4 * 4096ull, WALK_FETCH, 3, &ec), SIM_FAULT);
	/* A call that zaps nothing asks for no flush. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0), 0);
	CHECK(!s.flushed);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

/* A reserved range (the MMIO hole of shadow mode's machine memory) is
 * never handed out, by 4K or 2M allocations, down to the last frame. */
TEST(frame_pool_reserved_hole)
{
	struct frame_pool fp;
	const uint64_t base = 1ull << 30, n = 4096;
	CHECK_EQ(frame_pool_init(&fp, base, n, NULL), 0);
	/* Frames 1024..2523: the 2M unit 2048..2559 is partly free. */
	uint64_t hole = base + 1024 * FRAME_SIZE, hole_n = 1500;
	CHECK_EQ(frame_pool_reserve(&fp, hole - FRAME_SIZE, n), -EINVAL);
	CHECK_EQ(frame_pool_reserve(&fp, base - FRAME_SIZE, 2), -EINVAL);
	CHECK_EQ(frame_pool_reserve(&fp, hole, hole_n), 0);
	CHECK_EQ(frame_pool_reserve(&fp, hole, 1), -EINVAL); /* already taken */
	CHECK_EQ(fp.nfree, n - hole_n);
	uint64_t m, got = 0;
	bool in_hole = false;
	while (frame_pool_alloc_2m(&fp, &m) == 0) {
		in_hole |= m + FRAMES_PER_2M * FRAME_SIZE > hole && m < hole + hole_n * FRAME_SIZE;
		got += FRAMES_PER_2M;
	}
	CHECK_EQ(got, 5 * FRAMES_PER_2M); /* not the unit straddling the hole's end */
	while (frame_pool_alloc(&fp, &m) == 0) {
		in_hole |= m >= hole && m < hole + hole_n * FRAME_SIZE;
		got++;
	}
	CHECK(!in_hole);
	CHECK_EQ(got, n - hole_n);
	CHECK_EQ(fp.nfree, 0);
	frame_pool_destroy(&fp);
}

/* A frame freed recently is handed out again first, newest first (the
 * last FRAME_POOL_HOT of them); one that alloc_2m took since is not. */
TEST(frame_pool_reuses_freed_frames_first)
{
	struct frame_pool fp;
	const uint64_t base = 1ull << 30, n = 1024;
	CHECK_EQ(frame_pool_init(&fp, base, n, NULL), 0);
	uint64_t m[FRAME_POOL_HOT + 8], again;
	for (unsigned i = 0; i < FRAME_POOL_HOT + 8; i++)
		CHECK_EQ(frame_pool_alloc(&fp, &m[i]), 0);
	*(uint64_t *)frame_pool_ptr(&fp, m[1]) = 42;
	frame_pool_free(&fp, m[1]);
	frame_pool_free(&fp, m[2]);
	/* Cooling: the scattered order goes on. */
	CHECK_EQ(frame_pool_alloc(&fp, &again), 0);
	CHECK(again != m[1] && again != m[2]);
	frame_pool_free(&fp, again);
	frame_pool_warm(&fp);
	CHECK_EQ(frame_pool_alloc(&fp, &again), 0); /* the newest freed */
	CHECK_EQ(frame_pool_alloc(&fp, &again), 0);
	CHECK_EQ(again, m[2]);
	CHECK_EQ(frame_pool_alloc(&fp, &again), 0);
	CHECK_EQ(again, m[1]);
	CHECK_EQ(*(uint64_t *)frame_pool_ptr(&fp, again), 0); /* zeroed */
	/* More frees than the list holds: the newest FRAME_POOL_HOT come back. */
	/* From near the counters' wrap, to check it too. */
	fp.cool.end = fp.hot.end = UINT32_MAX - 3;
	for (unsigned i = 0; i < FRAME_POOL_HOT + 8; i++)
		frame_pool_free(&fp, m[i]);
	frame_pool_warm(&fp);
	for (unsigned i = 0; i < FRAME_POOL_HOT; i++) {
		CHECK_EQ(frame_pool_alloc(&fp, &again), 0);
		CHECK_EQ(again, m[FRAME_POOL_HOT + 7 - i]);
	}
	/* The list is empty: the oldest 8 were dropped (still free, for
	 * the scattered order, which hands out every free frame). */
	CHECK_EQ(fp.hot.len, 0);
	bool dropped[8] = {false};
	while (frame_pool_alloc(&fp, &again) == 0)
		for (unsigned i = 0; i < 8; i++)
			dropped[i] |= again == m[i];
	for (unsigned i = 0; i < 8; i++)
		CHECK(dropped[i]);
	frame_pool_destroy(&fp);

	/* A freed frame taken since by alloc_2m or reserve is not handed
	 * out again from the list. */
	CHECK_EQ(frame_pool_init(&fp, base, n, NULL), 0);
	uint64_t a, b, unit;
	CHECK_EQ(frame_pool_alloc(&fp, &a), 0);
	CHECK_EQ(frame_pool_alloc(&fp, &b), 0);
	frame_pool_free(&fp, a);
	frame_pool_free(&fp, b);
	frame_pool_warm(&fp);
	CHECK_EQ(frame_pool_reserve(&fp, b, 1), 0);
	while (frame_pool_alloc_2m(&fp, &unit) == 0)
		if (a >= unit && a < unit + FRAMES_PER_2M * FRAME_SIZE)
			break;
	CHECK(frame_pool_in_use(&fp, a));
	while (fp.nfree) {
		CHECK_EQ(frame_pool_alloc(&fp, &again), 0);
		CHECK(again != a && again != b);
	}
	frame_pool_destroy(&fp);
}

/* p2m_lookup_2m answers as 512 p2m_lookup calls would. */
TEST(p2m_lookup_2m_matches_lookups)
{
	struct frame_pool fp;
	struct p2m p2m;
	CHECK_EQ(frame_pool_init(&fp, 1ull << 30, 8192, NULL), 0);
	CHECK_EQ(p2m_init(&p2m, &fp, 4096), 0);
	uint64_t m, base;
	unsigned all, any;
	CHECK_EQ(p2m_lookup_2m(&p2m, 1, &m, &all, &any), -EINVAL);
	CHECK_EQ(p2m_lookup_2m(&p2m, 4096, &m, &all, &any), -EINVAL);
	CHECK_EQ(p2m_lookup_2m(&p2m, 0, &m, &all, &any), -ENOENT);
	p2m.large_first_touch = true;
	CHECK_EQ(p2m_populate(&p2m, 512 + 7, &m), 0);
	CHECK_EQ(p2m_lookup_2m(&p2m, 512, &base, &all, &any), 0);
	CHECK_EQ(base, m - 7 * 4096ull);
	CHECK_EQ(all, EPTE_RWX);
	/* One frame read-only: still a run, not uniformly writable. */
	CHECK_EQ(p2m_set(&p2m, 512 + 9, base + 9 * 4096ull, EPTE_R), 0);
	CHECK_EQ(p2m_lookup_2m(&p2m, 512, &m, &all, &any), 0);
	CHECK_EQ(all & EPTE_W, 0);
	CHECK_EQ(any, EPTE_RWX);
	/* One frame elsewhere or missing: not a run. */
	uint64_t other;
	CHECK_EQ(frame_pool_alloc(&fp, &other), 0);
	CHECK_EQ(p2m_set(&p2m, 512 + 9, other, EPTE_RWX), 0);
	CHECK_EQ(p2m_lookup_2m(&p2m, 512, &m, &all, &any), -ENOENT);
	CHECK_EQ(p2m_set(&p2m, 512 + 9, base + 9 * 4096ull, EPTE_RWX), 0);
	CHECK_EQ(p2m_lookup_2m(&p2m, 512, &m, &all, &any), 0);
	CHECK_EQ(p2m_clear(&p2m, 512 + 511, false), 0);
	CHECK_EQ(p2m_lookup_2m(&p2m, 512, &m, &all, &any), -ENOENT);
	/* Scattered 4K first touches never make a run. */
	p2m.large_first_touch = false;
	for (uint64_t g = 1024; g < 1536; g++)
		CHECK_EQ(p2m_populate(&p2m, g, &m), 0);
	CHECK_EQ(p2m_lookup_2m(&p2m, 1024, &m, &all, &any), -ENOENT);
	p2m_destroy(&p2m);
	frame_pool_destroy(&fp);
}

/* p2m_lookup's direct descent reads what the EPT walker reads, through
 * random sets, clears, read-only frames, absent states and swap slots. */
TEST(p2m_lookup_matches_the_ept_walker)
{
	struct frame_pool fp;
	struct p2m p2m;
	CHECK_EQ(frame_pool_init(&fp, 1ull << 30, 8192, NULL), 0);
	CHECK_EQ(p2m_init(&p2m, &fp, 4096), 0);
	uint64_t rnd = 12345;
	unsigned differ = 0, present = 0;
	for (int i = 0; i < 20000; i++) {
		rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t g = (rnd >> 20) % 4200, m; /* some beyond guest memory */
		switch ((rnd >> 40) % 5) {
		case 0:
			p2m_populate(&p2m, g, &m);
			break;
		case 1:
			if (p2m_lookup(&p2m, g, &m, NULL) == 0)
				p2m_set(&p2m, g, m, EPTE_R | ((rnd >> 50) & 1 ? EPTE_X : 0));
			break;
		case 2:
			p2m_clear(&p2m, g, true);
			break;
		case 3:
			p2m_set_absent(&p2m, g, P2M_GFN_SWAPPED, (rnd >> 45) & 0xffff);
			break;
		default:
			break;
		}
		uint64_t q = (rnd >> 8) % 4200, m1 = 0, m2 = 0;
		unsigned p1 = 0, p2 = 0;
		int r1 = p2m_lookup(&p2m, q, &m1, &p1), r2 = p2m_lookup_ept(&p2m, q, &m2, &p2);
		present += r1 == 0;
		differ += r1 != r2 || (r1 == 0 && (m1 != m2 || p1 != p2));
	}
	CHECK_EQ(differ, 0);
	CHECK(present > 1000);
	p2m_destroy(&p2m);
	frame_pool_destroy(&fp);
}

TEST(shadow_batch_queue)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	for (unsigned i = 0; i < 4; i++) {
		g_map(&s, root, UVA + i * 4096ull, (200 + i) * 4096ull, URW | PTE_A | PTE_D, 1);
		CHECK_EQ(sim_access(&s, UVA + i * 4096ull, 0, 3, &ec), SIM_OK);
	}
	uint64_t ring_gpa = 50 * 4096;
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_QUEUE, ring_gpa + 8, 0, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_QUEUE, ring_gpa, 0, 0, 0), 0);
	struct umbra_shadow_ring *ring = p2m_writable_ptr(&s.p2m, ring_gpa);
	ring->size = UMBRA_SHADOW_RING_SIZE;
	/* Queue two unmaps; nothing happens until a synchronous call. */
	for (unsigned i = 0; i < 2; i++) {
		g_write(&s, g_entry(&s, root, UVA + i * 4096ull, 1, false), 0);
		ring->ops[ring->head % UMBRA_SHADOW_RING_SIZE] = (struct umbra_shadow_op){
			UVA + i * 4096ull, UVA + (i + 1) * 4096ull, asid, UMBRA_SHADOW_EV_UNMAP};
		ring->head++;
	}
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, UVA, 0, 3, false, &r), WALK_OK);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0), 2);
	CHECK_EQ(ring->tail, 2);
	CHECK_EQ(sim_shadow_walk(&s, UVA, 0, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_shadow_walk(&s, UVA + 4096, 0, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_shadow_walk(&s, UVA + 8192, 0, 3, false, &r), WALK_OK);
	/* A fault drains first as well. */
	g_write(&s, g_entry(&s, root, UVA + 8192, 1, false), 0);
	ring->ops[ring->head % UMBRA_SHADOW_RING_SIZE] = (struct umbra_shadow_op){
		UVA + 8192, UVA + 12288, asid, UMBRA_SHADOW_EV_UNMAP};
	ring->head++;
	CHECK_EQ(sim_access(&s, UVA + 8192, 0, 3, &ec), SIM_OK); /* stale until drained */
	CHECK_EQ(sim_access(&s, UVA + 4 * 4096, 0, 3, &ec), SIM_FAULT);
	CHECK_EQ(sim_shadow_walk(&s, UVA + 8192, 0, 3, false, &r), WALK_PF);
	/* Garbage in the ring is refused; a corrupt head resets the queue. */
	ring->ops[ring->head % UMBRA_SHADOW_RING_SIZE] = (struct umbra_shadow_op){
		0, 4096, 12345, 77};
	ring->head++;
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0), 1);
	ring->head += 1000;
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0), 0);
	struct shadow_stats st;
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.ring_ops, 4);
	CHECK_EQ(st.hypercalls[UMBRA_HC_SHADOW_SYNC], 4);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

TEST(shadow_hostile_tables)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	/* A PML4 entry pointing beyond guest memory. */
	g_write(&s, root + 1 * 8, (1ull << 40) | SIM_TABLE);
	CHECK_EQ(sim_access(&s, 1ull << 39, 0, 3, &ec), SIM_FAULT);
	CHECK_EQ(ec, PFERR_P | PFERR_RSVD | PFERR_U);
	/* A leaf beyond guest memory. */
	g_map(&s, root, UVA, 4096ull * 5000, URW, 1);
	CHECK_EQ(sim_access(&s, UVA, 0, 3, &ec), SIM_FAULT);
	/* Reserved bits. */
	g_map(&s, root, UVA + 4096, 4096ull * 10 | (1ull << 50), URW, 1);
	CHECK_EQ(sim_access(&s, UVA + 4096, 0, 3, &ec), SIM_FAULT);
	CHECK_EQ(ec, PFERR_P | PFERR_RSVD | PFERR_U);
	/* A self-map: PML4[2] points at the PML4 itself; the table pages
	 * then appear as data and as every level at once. */
	g_write(&s, root + 2 * 8, root | SIM_TABLE);
	g_map(&s, root, UVA + 8192, 4096ull * 11, URW, 1);
	uint64_t self = (2ull << 39) | (2ull << 30) | (2ull << 21) | (2ull << 12);
	CHECK_EQ(sim_access(&s, self, 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_access(&s, self, WALK_WRITE, 3, &ec), SIM_OK);
	CHECK_EQ(sim_access(&s, UVA + 8192, WALK_WRITE, 3, &ec), SIM_OK);
	/* The same guest table at two levels and two places. */
	uint64_t pt = g_entry(&s, root, UVA, 1, false) & ~0xfffull;
	uint64_t pd = g_entry(&s, root, UVA, 2, false) & ~0xfffull;
	g_write(&s, pd + 100 * 8, pt | SIM_TABLE);
	CHECK_EQ(sim_access(&s, (UVA & ~((1ull << 30) - 1)) + 100 * (2ull << 20) + 8192,
			    0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_audit(&s), 0);
	/* Unknown address spaces, write+fetch. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_FAULT, UVA, PFERR_U, asid + 1, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_FAULT, UVA, PFERR_W | PFERR_ID, asid, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_FAULT, UVA, 1ull << 20, asid, 0), -UMBRA_EINVAL);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

static unsigned audit_hits;
static void count_report(void *o, uint32_t asid, uint64_t gva, unsigned level,
			 uint64_t spte, const char *why)
{
	(void)o; (void)asid; (void)level; (void)spte; (void)why;
	if (gva == UVA)
		audit_hits++;
}

TEST(shadow_audit_finds_wide_entry)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	/* A 2M entry first, while the pool still has free 2M runs. */
	s.p2m.large_first_touch = true;
	const uint64_t big = 0x40000000ull; /* gfns 512..1023, a 2M run */
	g_map(&s, root, big, 512 * 4096ull, URW | PTE_D, 2);
	CHECK_EQ(sim_access(&s, big + 4096, WALK_WRITE, 3, &ec), SIM_OK);
	s.p2m.large_first_touch = false;
	g_map(&s, root, UVA, 7 * 4096, URW, 1);
	CHECK_EQ(sim_access(&s, UVA, 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_audit(&s), 0);
	/* Widen the leaf by hand: writable while the guest entry is clean. */
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, UVA, 0, 3, false, &r), WALK_OK);
	uint64_t *spte = frame_pool_ptr(&s.pool, r.pte_gpa[r.nlevels - 1]);
	*spte |= PTE_RW;
	audit_hits = 0;
	CHECK_EQ(shadow_audit(s.mmu, count_report, NULL), 1);
	CHECK_EQ(audit_hits, 1);
	s.quiet = true;
	sim_check_va(&s, UVA);
	CHECK(s.violations > 0);
	*spte &= ~PTE_RW;
	/* A guest change without its invalidation is caught as well. */
	g_write(&s, g_entry(&s, root, UVA, 1, false), 0);
	CHECK_EQ(shadow_audit(s.mmu, NULL, NULL), 1);
	/* And host changes without the p2m's notifier: a writable 4K entry
	 * over a frame made read-only, then over another frame; a 2M entry
	 * over a region with one read-only frame. */
	g_map(&s, root, UVA + 4096, 9 * 4096, URW | PTE_D, 1);
	CHECK_EQ(sim_access(&s, UVA + 4096, WALK_WRITE, 3, &ec), SIM_OK);
	uint64_t m;
	CHECK_EQ(p2m_lookup(&s.p2m, 9, &m, NULL), 0);
	void (*notifier)(void *, uint64_t, uint64_t) = s.p2m.invalidate;
	s.p2m.invalidate = NULL;
	CHECK_EQ(p2m_set(&s.p2m, 9, m, EPTE_R | EPTE_X), 0);
	CHECK_EQ(shadow_audit(s.mmu, NULL, NULL), 2);
	CHECK_EQ(shadow_audit_reference(s.mmu), 2);
	uint64_t other;
	CHECK_EQ(frame_pool_alloc(&s.pool, &other), 0);
	CHECK_EQ(p2m_set(&s.p2m, 9, other, EPTE_RWX), 0);
	CHECK_EQ(shadow_audit(s.mmu, NULL, NULL), 2);
	CHECK_EQ(shadow_audit_reference(s.mmu), 2);
	CHECK_EQ(sim_shadow_walk(&s, big, WALK_WRITE, 3, false, &r), WALK_OK);
	CHECK_EQ(r.page_size, 2u << 20);
	CHECK_EQ(shadow_audit(s.mmu, NULL, NULL), 2);
	CHECK_EQ(p2m_lookup(&s.p2m, 512 + 77, &m, NULL), 0);
	CHECK_EQ(p2m_set(&s.p2m, 512 + 77, m, EPTE_R | EPTE_X), 0);
	CHECK_EQ(shadow_audit(s.mmu, NULL, NULL), 3);
	CHECK_EQ(shadow_audit_reference(s.mmu), 3);
	s.p2m.invalidate = notifier;
	sim_destroy(&s);
}

TEST(shadow_1g_guest_page)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	setup(&s, &c, &root, &asid);
	s.p2m.large_first_touch = true;
	/* PDPTE with PS: gpa 0..1G, of which the first 8M exist. */
	uint64_t va = 1ull << 39;
	uint64_t pdpt = g_alloc_table(&s);
	g_write(&s, root + 1 * 8, pdpt | SIM_TABLE);
	g_write(&s, pdpt, PTE_P | PTE_RW | PTE_US | PTE_PS | PTE_D);
	CHECK_EQ(sim_access(&s, va + (2ull << 20) + 0x3000, WALK_WRITE, 3, &ec), SIM_OK);
	CHECK_EQ(sim_access(&s, va + 0x7000, 0, 3, &ec), SIM_OK);
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, va + (2ull << 20), 0, 3, false, &r), WALK_OK);
	CHECK_EQ(r.page_size, 2u << 20);   /* 2M pieces of the 1G page */
	/* Beyond guest memory inside the 1G page: reflected. */
	CHECK_EQ(sim_access(&s, va + (512ull << 20), 0, 3, &ec), SIM_FAULT);
	CHECK_EQ(ec, PFERR_P | PFERR_RSVD | PFERR_U);
	CHECK_EQ(sim_audit(&s), 0);
	/* Protection change on the 1G entry. */
	g_write(&s, pdpt, PTE_P | PTE_US | PTE_PS | PTE_D | PTE_A);
	sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, va, va + (1ull << 30),
	       UMBRA_SHADOW_EV_PROTECTION);
	CHECK_EQ(sim_access(&s, va + (2ull << 20) + 0x3000, WALK_WRITE, 3, &ec), SIM_FAULT);
	CHECK_EQ(sim_access(&s, va + (2ull << 20) + 0x3000, 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

TEST(shadow_la57)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	c.la57 = true;
	c.budget_pages = 5; /* the 5-level floor */
	setup(&s, &c, &root, &asid);
	CHECK_EQ(shadow_budget(s.mmu), 5);
	uint64_t vas[] = {UVA, 0x00ff000000000000ull, 0x0100000000000000ull - 4096,
			  0xff00000000000000ull};
	for (unsigned i = 0; i < 4; i++)
		g_map(&s, root, vas[i], (20 + i) * 4096ull,
		      PTE_RW | (i == 3 ? 0 : PTE_US), 1);
	for (int round = 0; round < 2; round++)
		for (unsigned i = 0; i < 4; i++)
			CHECK_EQ(sim_access(&s, vas[i], WALK_WRITE, i == 3 ? 0 : 3, &ec), SIM_OK);
	/* A 57-bit address that is not canonical with 48 bits. */
	struct walk_result r;
	CHECK_EQ(sim_access(&s, vas[1], 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_shadow_walk(&s, vas[1], 0, 3, false, &r), WALK_OK);
	CHECK_EQ(r.nlevels, 5);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, 0x00f0000000000000ull, 0,
			UMBRA_SHADOW_EV_UNMAP), 0);
	CHECK_EQ(sim_shadow_walk(&s, vas[1], 0, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_access(&s, vas[1], 0, 3, &ec), SIM_OK); /* guest still maps it */
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

TEST(shadow_two_vcpus)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	c.nr_vcpus = 2;
	c.max_roots = 1;
	setup(&s, &c, &root, &asid);
	CHECK_EQ(shadow_budget(s.mmu), 40);
	g_map(&s, root, UVA, 7 * 4096, URW | PTE_A | PTE_D, 1);
	/* vCPU 1 runs the same address space: same root. */
	s.vcpu = 1;
	int64_t cr3 = sim_hc(&s, UMBRA_HC_SHADOW_AS_ACTIVATE, asid, 0, 0, 0);
	CHECK_EQ((uint64_t)cr3, s.cr3);
	CHECK_EQ(shadow_current_asid(s.mmu, 1), asid);
	CHECK_EQ(sim_access(&s, UVA, WALK_WRITE, 3, &ec), SIM_OK);
	/* vCPU 0 unmaps: it flushes on return, vCPU 1 must be kicked. */
	s.vcpu = 0;
	g_write(&s, g_entry(&s, root, UVA, 1, false), 0);
	sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, UVA, UVA + 4096, UMBRA_SHADOW_EV_UNMAP);
	CHECK(s.flushed);
	CHECK_EQ(shadow_pending_flushes(s.mmu, 0), 2);
	CHECK(shadow_take_tlb_flush(s.mmu, 1));
	CHECK_EQ(shadow_pending_flushes(s.mmu, 0), 0);
	/* Two address spaces active at once with a root cache of one: both
	 * roots stay (they are in CR3s). */
	uint64_t root2 = g_alloc_table(&s);
	g_map(&s, root2, UVA, 8 * 4096, URW, 1);
	int64_t asid2 = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, root2, 0, 0, 0);
	s.vcpu = 1;
	CHECK_EQ(sim_activate(&s, (uint32_t)asid2, root2), 0);
	CHECK_EQ(sim_access(&s, UVA, 0, 3, &ec), SIM_OK);
	struct shadow_stats st;
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.roots_evicted, 0);
	/* A zap in asid2 does not concern vCPU 0. */
	g_write(&s, g_entry(&s, root2, UVA, 1, false), 0);
	sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, (uint64_t)asid2, 0, 0, UMBRA_SHADOW_EV_UNMAP);
	CHECK(s.flushed);
	CHECK_EQ(shadow_pending_flushes(s.mmu, 1), 0);
	/* Released while vCPU 1 runs it: kept until vCPU 1 leaves. */
	s.vcpu = 0;
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_RELEASE, (uint64_t)asid2, 0, 0, 0), 0);
	CHECK_EQ(shadow_current_asid(s.mmu, 1), (uint32_t)asid2);
	s.vcpu = 1;
	CHECK_EQ(sim_activate(&s, asid, root), 0);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_ACTIVATE, (uint64_t)asid2, 0, 0, 0), -UMBRA_EINVAL);
	/* Bad vCPU numbers. */
	CHECK_EQ(shadow_as_activate(s.mmu, 2, asid), -UMBRA_EINVAL);
	CHECK_EQ(shadow_page_fault(s.mmu, 64, asid, UVA, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

TEST(shadow_audit_mode)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	c.audit = true;
	setup(&s, &c, &root, &asid);
	for (unsigned i = 0; i < 8; i++)
		g_map(&s, root, UVA + i * 4096ull, (30 + i) * 4096ull, URW | PTE_A, 1);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(sim_access(&s, UVA + i * 4096ull, WALK_WRITE, 3, &ec), SIM_OK);
	struct shadow_stats st;
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.audit_findings, 0);
	/* A guest that forgets its invalidation is reported by the next call
	 * (on stderr: "umbra: shadow audit: ..."). */
	g_write(&s, g_entry(&s, root, UVA, 1, false), 0);
	fprintf(stderr, "  (one audit finding expected below)\n");
	sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0);
	shadow_get_stats(s.mmu, &st);
	CHECK_EQ(st.audit_findings, 1);
	sim_destroy(&s);
}

/* What the CPU needs to deliver a #PF stays shadowed: filled at activate,
 * never evicted, filled again at once after a guest or host change. */
TEST(shadow_pinned_ranges)
{
	struct sim s;
	uint64_t root;
	uint32_t asid, ec;
	struct shadow_config c = cfg_default();
	c.budget_pages = 8;
	setup(&s, &c, &root, &asid);
	const uint64_t kva = 0xffffffff80000000ull;
	for (unsigned i = 0; i < 4; i++)
		g_map(&s, root, kva + i * 4096ull, (40 + i) * 4096ull, PTE_RW, 1);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_PIN, kva, kva + 4 * 4096, 0, 0), 0);
	struct walk_result r;
	/* Present and writable (D set as the CPU's push would) right away. */
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(sim_shadow_walk(&s, kva + i * 4096ull, WALK_WRITE, 0, false, &r), WALK_OK);
	CHECK(g_read(&s, g_entry(&s, root, kva, 1, false)) & PTE_D);
	/* User faults all over, far beyond the budget: the pins stay. */
	for (unsigned i = 0; i < 64; i++) {
		uint64_t va = UVA + i * (2ull << 20) * 3;
		g_map(&s, root, va, (100 + i) * 4096ull, URW, 1);
		CHECK_EQ(sim_access(&s, va, 0, 3, &ec), SIM_OK);
		CHECK(shadow_nr_pages(s.mmu) <= 8);
	}
	struct shadow_stats st;
	shadow_get_stats(s.mmu, &st);
	CHECK(st.sp_evicted > 10);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(sim_shadow_walk(&s, kva + i * 4096ull, WALK_WRITE, 0, false, &r), WALK_OK);
	/* The guest repoints a pinned page: the new frame is there at once. */
	g_write(&s, g_entry(&s, root, kva + 4096, 1, false), 60 * 4096ull | PTE_P | PTE_RW);
	sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, UMBRA_SHADOW_ASID_ALL, kva + 4096,
	       kva + 8192, UMBRA_SHADOW_EV_CLEAR);
	uint64_t m;
	CHECK_EQ(sim_shadow_walk(&s, kva + 4096, WALK_WRITE, 0, false, &r), WALK_OK);
	CHECK_EQ(p2m_lookup(&s.p2m, 60, &m, NULL), 0);
	CHECK_EQ(r.gpa, m);
	/* The host moves a pinned frame: likewise. */
	uint64_t old, new;
	CHECK_EQ(p2m_lookup(&s.p2m, 42, &old, NULL), 0);
	CHECK_EQ(frame_pool_alloc(&s.pool, &new), 0);
	CHECK_EQ(p2m_set(&s.p2m, 42, new, EPTE_RWX), 0);
	sim_take_kick(&s);
	CHECK_EQ(sim_shadow_walk(&s, kva + 2 * 4096, WALK_WRITE, 0, false, &r), WALK_OK);
	CHECK_EQ(r.gpa, new);
	/* A write-protect of a pinned page is undone (the guest still allows
	 * the write), an unmap is not. */
	sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, kva, kva + 4096, UMBRA_SHADOW_EV_WRPROTECT);
	CHECK_EQ(sim_shadow_walk(&s, kva, WALK_WRITE, 0, false, &r), WALK_OK);
	g_write(&s, g_entry(&s, root, kva + 3 * 4096, 1, false), 0);
	sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, kva + 3 * 4096, kva + 4 * 4096,
	       UMBRA_SHADOW_EV_UNMAP);
	CHECK_EQ(sim_shadow_walk(&s, kva + 3 * 4096, 0, 0, false, &r), WALK_PF);
	/* What a triple fault's message says of the vCPU: the page the guest
	 * unmapped is the one pinned page its tables miss. */
	char what[256];
	shadow_describe_vcpu(s.mmu, 0, what, sizeof(what));
	CHECK(strstr(what, "runs asid ") == what);
	CHECK(strstr(what, ": 1 of 4 pinned pages and 0 of 0 stack pages missing") != NULL);
	/* A new address space sharing the kernel tables has them at activate. */
	uint64_t root2 = g_alloc_table(&s);
	g_write(&s, root2 + 511 * 8, g_read(&s, root + 511 * 8));
	int64_t asid2 = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, root2, 0, 0, 0);
	CHECK_EQ(sim_activate(&s, (uint32_t)asid2, root2), 0);
	CHECK_EQ(sim_shadow_walk(&s, kva, WALK_WRITE, 0, false, &r), WALK_OK);
	CHECK_EQ(sim_shadow_walk(&s, kva + 2 * 4096, 0, 0, false, &r), WALK_OK);
	/* Limits. */
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_PIN, kva, kva, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_PIN, 0, 1ull << 30, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);

	/* Pins that cannot fit the budget are refused. */
	c.budget_pages = 4;
	setup(&s, &c, &root, &asid);
	g_map(&s, root, kva, 40 * 4096ull, PTE_RW, 1);
	g_map(&s, root, 0xffff888000000000ull, 41 * 4096ull, PTE_RW, 1);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_PIN, kva, kva + 4096, 0, 0), 0);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_PIN, 0xffff888000000000ull,
			0xffff888000001000ull, 0, 0), -UMBRA_ENOMEM);
	sim_destroy(&s);
}
