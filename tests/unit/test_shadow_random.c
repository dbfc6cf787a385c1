/* SPDX-License-Identifier: MIT */
/*
 * Random sequences against the shadow MMU: a simulated guest kernel
 * (shadow_sim.h) maps, unmaps, protects, ages, splits and merges large
 * pages, forks and exits address spaces and changes shared kernel
 * mappings, each change followed by its invalidation (directly or through
 * the batch queue), while the host migrates frames and makes them
 * read-only under it; the simulated vCPU makes random accesses. After
 * every step the shadow translation of sampled addresses must never be
 * wider than guest tables + p2m (and equal them after each fill), and the
 * audit must find nothing. Runs over several budgets (down to the floor),
 * prefetch settings, root-cache sizes and p2m layouts. A last test breaks
 * the invalidation on purpose and requires the checks to notice.
 */
#include "test.h"

#include "shadow_sim.h"

#define NR_GFNS 2048
#define DATA_GFNS 1536       /* 0..1535 data (three 2M regions), rest tables */
#define UVA1 0x400000ull     /* 1024 4K pages */
#define UVA2 0x7ffff7e00000ull /* 64 pages */
#define LVA 0x40000000ull    /* four 2M slots */
#define KVA 0xffff888000000000ull /* shared kernel tables, 64 pages */
#define MAX_AS 4
#define PIN_PAGES 8
#define RING_GPA ((NR_GFNS - 1) * 4096ull) /* kept out of the table frames */

struct rnd {
	uint64_t x;
};

static uint64_t rnd_next(struct rnd *r)
{
	/* xorshift64*: reproducible from the seed. */
	r->x ^= r->x >> 12;
	r->x ^= r->x << 25;
	r->x ^= r->x >> 27;
	return r->x * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(struct rnd *r, unsigned n)
{
	return (unsigned)(rnd_next(r) % n);
}

struct world {
	struct sim s;
	struct rnd r;
	uint64_t roots[MAX_AS];
	uint32_t ids[MAX_AS];
	bool live[MAX_AS];
	unsigned cur;
	uint64_t kernel_pdpt;
	bool use_queue, pending;
	uint64_t ops, accesses;
	bool pins;                /* KVA's first PIN_PAGES pages are pinned */
	bool hm;                  /* host memory attached (rcfg.hm) */
	uint64_t recent[64];      /* recently mapped addresses: most accesses */
	unsigned nr_recent;
};

static void remember(struct world *w, uint64_t va)
{
	w->recent[w->nr_recent++ % 64] = va;
}

static uint64_t pick_va(struct world *w)
{
	switch (rnd_below(&w->r, 8)) {
	case 0: case 1: case 2:
		return UVA1 + rnd_below(&w->r, 1024) * 4096ull;
	case 3:
		return UVA2 + rnd_below(&w->r, 64) * 4096ull;
	case 4: case 5:
		return LVA + rnd_below(&w->r, 4) * (2ull << 20) +
		       rnd_below(&w->r, 512) * 4096ull;
	case 6:
		return KVA + rnd_below(&w->r, 64) * 4096ull;
	default:
		return UVA1 + rnd_below(&w->r, 32) * 4096ull;
	}
}

static void invalidate(struct world *w, uint32_t asid, uint64_t start,
		       uint64_t end, unsigned ev)
{
	if (w->use_queue && rnd_below(&w->r, 2)) {
		/* Looked up each time: the host may have moved the frame. */
		struct umbra_shadow_ring *ring = p2m_writable_ptr(&w->s.p2m, RING_GPA);
		if (ring->head - ring->tail == UMBRA_SHADOW_RING_SIZE)
			sim_hc(&w->s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0);
		ring->ops[ring->head % UMBRA_SHADOW_RING_SIZE] =
			(struct umbra_shadow_op){start, end, asid, ev};
		ring->head++;
		w->pending = true;
		return;
	}
	(void)sim_hc(&w->s, UMBRA_HC_SHADOW_INVALIDATE, asid, start, end, ev);
}

/* Frees the tables below a guest entry at level (> 1, not large). */
static void free_tables(struct world *w, uint64_t table, unsigned level)
{
	if (level > 1)
		for (unsigned i = 0; i < 512; i++) {
			uint64_t e = g_read(&w->s, table + i * 8);
			if ((e & PTE_P) && !(e & PTE_PS))
				free_tables(w, e & SIM_ADDR_MASK, level - 1);
		}
	g_free_table(&w->s, table);
}

static uint64_t leaf_flags(struct world *w)
{
	uint64_t f = PTE_US;
	unsigned x = rnd_below(&w->r, 64);
	if (x & 1) f |= PTE_RW;
	if (x & 2) f |= PTE_A;
	if ((x & 12) == 12) f |= PTE_D;
	if (x & 16) f |= PTE_NX;
	if ((x & 32) && rnd_below(&w->r, 4) == 0) f &= ~PTE_US;
	return f;
}

static uint32_t cur_asid(struct world *w)
{
	return w->ids[w->cur];
}

static uint64_t cur_root(struct world *w)
{
	return w->roots[w->cur];
}

static void op_map4k(struct world *w)
{
	uint64_t va = pick_va(w);
	bool kernel = va >> 63;
	uint64_t pde = g_entry(&w->s, cur_root(w), va, 2, false);
	if (pde && (g_read(&w->s, pde) & PTE_PS))
		return; /* a 2M page there: op_split handles that */
	uint64_t ea = g_entry(&w->s, cur_root(w), va, 1, true);
	uint64_t old = g_read(&w->s, ea);
	uint64_t f = leaf_flags(w);
	if (kernel)
		f &= ~PTE_US;
	g_write(&w->s, ea, rnd_below(&w->r, DATA_GFNS) * 4096ull | f | PTE_P);
	remember(w, va);
	/* In a pinned range even a new translation is announced, so the
	 * VMM fills it at once. */
	if ((old & PTE_P) || (w->pins && kernel && va < KVA + PIN_PAGES * 4096ull))
		invalidate(w, kernel ? UMBRA_SHADOW_ASID_ALL : cur_asid(w), va,
			   va + 4096, UMBRA_SHADOW_EV_CLEAR);
}

static void op_change(struct world *w)
{
	uint64_t va = pick_va(w);
	bool kernel = va >> 63;
	uint64_t ea = 0;
	unsigned level = 1;
	uint64_t pde = g_entry(&w->s, cur_root(w), va, 2, false);
	if (pde && (g_read(&w->s, pde) & PTE_PS)) {
		ea = pde;
		level = 2;
		va &= ~((2ull << 20) - 1);
	} else {
		ea = g_entry(&w->s, cur_root(w), va, 1, false);
	}
	if (!ea)
		return;
	uint64_t e = g_read(&w->s, ea);
	if (!(e & PTE_P))
		return;
	unsigned ev;
	switch (rnd_below(&w->r, 6)) {
	case 0: e = 0; ev = UMBRA_SHADOW_EV_UNMAP; break;
	case 1: e &= ~PTE_RW; ev = UMBRA_SHADOW_EV_WRPROTECT; break;
	case 2: e &= ~PTE_D; ev = UMBRA_SHADOW_EV_WRPROTECT; break;
	case 3: e &= ~PTE_A; ev = UMBRA_SHADOW_EV_CLEAR_YOUNG; break;
	case 4: e |= PTE_NX; ev = UMBRA_SHADOW_EV_PROTECTION; break;
	default: e &= ~PTE_US; ev = UMBRA_SHADOW_EV_PROTECTION; break;
	}
	g_write(&w->s, ea, e);
	uint64_t size = level == 2 ? (2ull << 20) : 4096;
	invalidate(w, kernel ? UMBRA_SHADOW_ASID_ALL : cur_asid(w), va, va + size, ev);
}

/* A 2M slot: a 2M page replaces whatever is there (tables freed after the
 * invalidation), or a 2M page is split into 4K entries, or cleared. */
static void op_large(struct world *w)
{
	uint64_t va = LVA + rnd_below(&w->r, 4) * (2ull << 20);
	uint64_t ea = g_entry(&w->s, cur_root(w), va, 2, true);
	uint64_t old = g_read(&w->s, ea);
	unsigned what = rnd_below(&w->r, 3);
	uint64_t region = rnd_below(&w->r, 3) * 512ull * 4096;
	if (what == 0) {
		g_write(&w->s, ea, region | leaf_flags(w) | PTE_P | PTE_PS);
		for (int i = 0; i < 4; i++)
			remember(w, va + rnd_below(&w->r, 512) * 4096ull);
	} else if (what == 1 && (old & PTE_PS)) {
		uint64_t pt = g_alloc_table(&w->s);
		for (unsigned i = 0; i < 512; i++)
			g_write(&w->s, pt + i * 8,
				((old & SIM_ADDR_MASK & ~0x1fffffull) + i * 4096ull) |
				(old & (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_NX)));
		g_write(&w->s, ea, pt | SIM_TABLE);
	} else {
		g_write(&w->s, ea, 0);
	}
	if (old & PTE_P) {
		invalidate(w, cur_asid(w), va, va + (2ull << 20), UMBRA_SHADOW_EV_UNMAP);
		if (!(old & PTE_PS)) {
			/* Like Linux's mmu_gather: tables are freed only once
			 * the invalidation has been applied. */
			sim_hc(&w->s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0);
			w->pending = false;
			free_tables(w, old & SIM_ADDR_MASK, 1);
		}
	}
}

static void copy_cow(struct world *w, uint64_t src, uint64_t dst, unsigned level)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = g_read(&w->s, src + i * 8);
		if (!(e & PTE_P))
			continue;
		if (level == 1 || (e & PTE_PS)) {
			e &= ~PTE_RW;
			g_write(&w->s, src + i * 8, e);
			g_write(&w->s, dst + i * 8, e);
			continue;
		}
		uint64_t t = g_alloc_table(&w->s);
		g_write(&w->s, dst + i * 8, t | (e & ~SIM_ADDR_MASK));
		copy_cow(w, e & SIM_ADDR_MASK, t, level - 1);
	}
}

static unsigned top_level(const struct world *w)
{
	return w->s.cfg.la57 ? 5 : 4;
}

static unsigned level_shift_top(const struct world *w)
{
	return 12 + 9 * (top_level(w) - 1);
}

static void new_root_with_kernel(struct world *w, unsigned slot)
{
	uint64_t root = g_alloc_table(&w->s);
	g_write(&w->s, root + ((KVA >> level_shift_top(w)) & 511) * 8,
		w->kernel_pdpt | SIM_TABLE);
	w->roots[slot] = root;
	int64_t id = sim_hc(&w->s, UMBRA_HC_SHADOW_AS_CREATE, root, 0, 0, 0);
	w->ids[slot] = (uint32_t)id;
	w->live[slot] = id > 0;
}

static void op_fork(struct world *w)
{
	unsigned slot = 0;
	while (slot < MAX_AS && w->live[slot])
		slot++;
	if (slot == MAX_AS)
		return;
	new_root_with_kernel(w, slot);
	/* The user half only: copy_cow over PML4 entries 0..255. */
	uint64_t src = cur_root(w), dst = w->roots[slot];
	for (unsigned i = 0; i < 256; i++) {
		uint64_t e = g_read(&w->s, src + i * 8);
		if (!(e & PTE_P))
			continue;
		uint64_t t = g_alloc_table(&w->s);
		g_write(&w->s, dst + i * 8, t | (e & ~SIM_ADDR_MASK));
		copy_cow(w, e & SIM_ADDR_MASK, t, top_level(w) - 1);
	}
	invalidate(w, cur_asid(w), 0, 1ull << (level_shift_top(w) + 8),
		   UMBRA_SHADOW_EV_WRPROTECT);
}

static void switch_to(struct world *w, unsigned slot)
{
	w->cur = slot;
	if (sim_activate(&w->s, w->ids[slot], w->roots[slot]))
		sim_violation(&w->s, "activate failed", 0);
	w->pending = false; /* activate drains the queue */
}

static void op_exit(struct world *w)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MAX_AS; i++)
		n += w->live[i];
	if (n < 2)
		return;
	unsigned victim = rnd_below(&w->r, MAX_AS);
	if (!w->live[victim])
		return;
	sim_hc(&w->s, UMBRA_HC_SHADOW_AS_RELEASE, w->ids[victim], 0, 0, 0);
	w->live[victim] = false;
	if (victim == w->cur) {
		unsigned next = 0;
		while (!w->live[next])
			next++;
		switch_to(w, next);
	}
	uint64_t root = w->roots[victim];
	for (unsigned i = 0; i < 256; i++) {
		uint64_t e = g_read(&w->s, root + i * 8);
		if (e & PTE_P)
			free_tables(w, e & SIM_ADDR_MASK, top_level(w) - 1);
	}
	g_free_table(&w->s, root);
}

static void op_switch(struct world *w)
{
	unsigned slot = rnd_below(&w->r, MAX_AS);
	if (w->live[slot])
		switch_to(w, slot);
}

/* The host moves a frame (migration, swap-in elsewhere) or makes it
 * read-only (dedup); the p2m's notifier zaps through the rmap. */
static void op_host_mem(struct world *w, uint64_t gfn)
{
	struct host_mem *hm = &w->s.hm;
	switch (rnd_below(&w->r, 6)) {
	case 0: host_mem_swap_out(hm, gfn); break;
	case 1: host_mem_migrate(hm, gfn); break;
	case 2: host_mem_merge(hm, gfn, rnd_below(&w->r, NR_GFNS)); break;
	case 3: host_mem_invalidate(hm, gfn, 1 + rnd_below(&w->r, 64), HM_EV_CLEAR); break;
	case 4: host_mem_dedup_scan(hm, 64, NULL, NULL); break;
	default:
		hm->limit = hm->resident > 16 ? hm->resident - rnd_below(&w->r, 16) : 1;
		host_mem_reclaim(hm, NULL, NULL);
		hm->limit = 0;
		break;
	}
}

static void op_host(struct world *w)
{
	uint64_t gfn = rnd_below(&w->r, 2) ? rnd_below(&w->r, DATA_GFNS) :
		rnd_below(&w->r, NR_GFNS);
	uint64_t old, new;
	unsigned perms;
	if (w->hm) {
		op_host_mem(w, gfn);
		return;
	}
	if (p2m_lookup(&w->s.p2m, gfn, &old, &perms))
		return;
	if (rnd_below(&w->r, 3) == 0 && gfn < DATA_GFNS) {
		p2m_set(&w->s.p2m, gfn, old, EPTE_R | EPTE_X);
		return;
	}
	if (frame_pool_alloc(&w->s.pool, &new))
		return;
	memcpy(frame_pool_ptr(&w->s.pool, new), frame_pool_ptr(&w->s.pool, old), 4096);
	p2m_set(&w->s.p2m, gfn, new, EPTE_RWX);
	frame_pool_free(&w->s.pool, old);
}

/* The host changes run outside any hypercall: the vCPU is kicked. */
static void op_host_kick(struct world *w)
{
	op_host(w);
	sim_take_kick(&w->s);
}

/* The guest kernel handles a reflected fault by giving rights (demand
 * paging, a COW break in place, mprotect +x): entries gain rights with
 * no hypercall at all, and the retried access must then work. */
static void guest_fixup(struct world *w, uint64_t va, unsigned acc, uint32_t ec)
{
	if ((ec & PFERR_RSVD) || (va >> 63) != 0)
		return;
	uint64_t pde = g_entry(&w->s, cur_root(w), va, 2, false);
	if (pde && (g_read(&w->s, pde) & PTE_PS))
		return;
	uint64_t ea = g_entry(&w->s, cur_root(w), va, 1, true);
	uint64_t e = g_read(&w->s, ea);
	if (!(e & PTE_P))
		e = rnd_below(&w->r, DATA_GFNS) * 4096ull | PTE_P | PTE_US;
	if (acc & WALK_WRITE)
		e |= PTE_RW;
	if (acc & WALK_FETCH)
		e &= ~PTE_NX;
	g_write(&w->s, ea, e);
	remember(w, va & ~0xfffull);
	uint32_t ec2;
	/* Upper levels were made by g_entry with all rights; the leaf now
	 * allows a user access of this kind. */
	if (sim_access(&w->s, va, acc, 3, &ec2) != SIM_OK && (e & PTE_US))
		sim_violation(&w->s, "access fails after the guest gave the rights", va);
}

static void op_access(struct world *w)
{
	for (int i = 0; i < 4; i++) {
		uint64_t va = (w->nr_recent && rnd_below(&w->r, 4)) ?
			w->recent[rnd_below(&w->r, w->nr_recent < 64 ? w->nr_recent : 64)] :
			pick_va(w);
		/* Neighbours of mapped pages too: prefetch gets used. */
		if (rnd_below(&w->r, 3) == 0)
			va += (rnd_below(&w->r, 5) - 2) * 4096ull;
		va += rnd_below(&w->r, 512) * 8;
		unsigned k = rnd_below(&w->r, 6);
		uint32_t ec;
		w->s.ac = rnd_below(&w->r, 2);
		unsigned acc = sim_accesses[k][0], cpl = sim_accesses[k][1];
		if (sim_access(&w->s, va, acc, cpl, &ec) == SIM_FAULT &&
		    rnd_below(&w->r, 2))
			guest_fixup(w, va, acc, ec);
		w->pending = false; /* a fault hypercall drains the queue */
		w->accesses++;
	}
}

/* A pinned page the guest maps for the supervisor is in the shadow, with
 * no fault needed. */
static void check_pins(struct world *w)
{
	for (unsigned i = 0; i < PIN_PAGES; i++) {
		uint64_t va = KVA + i * 4096ull;
		struct walk_result gr, sr;
		uint64_t m;
		bool hw;
		if (sim_compose(&w->s, va, 0, 0, &gr, &m, &hw) == WALK_OK &&
		    sim_shadow_walk(&w->s, va, 0, 0, false, &sr) != WALK_OK)
			sim_violation(&w->s, "a pinned page is not shadowed", va);
	}
}

struct rcfg {
	unsigned budget, prefetch, roots;
	bool large, queue, la57, pins;
	bool hm; /* host memory owns the backing; op_host uses its API */
};

/* Runs nops random steps; returns violations + audit findings. */
static unsigned run_world(const struct rcfg *rc, uint64_t seed, unsigned nops,
			  bool quiet, uint64_t *accesses)
{
	struct world *w = calloc(1, sizeof(*w));
	struct shadow_config c = {
		.efer_nxe = true, .cr4_smep = true, .cr4_smap = true,
		.maxphyaddr = 46, .budget_pages = rc->budget,
		.prefetch = rc->prefetch, .max_roots = rc->roots,
		.la57 = rc->la57,
	};
	if (!w || sim_init_opt(&w->s, NR_GFNS, 3 * NR_GFNS, &c, rc->hm))
		abort();
	w->hm = rc->hm;
	w->s.quiet = quiet;
	w->r.x = seed * 0x9e3779b97f4a7c15ull + 1;
	w->s.p2m.large_first_touch = rc->large;
	w->s.table_end = NR_GFNS - 1;
	w->kernel_pdpt = g_alloc_table(&w->s);
	new_root_with_kernel(w, 0);
	switch_to(w, 0);
	if (rc->queue) {
		w->use_queue = true;
		sim_hc(&w->s, UMBRA_HC_SHADOW_QUEUE, RING_GPA, 0, 0, 0);
		struct umbra_shadow_ring *ring = p2m_writable_ptr(&w->s.p2m, RING_GPA);
		ring->size = UMBRA_SHADOW_RING_SIZE;
	}
	if (rc->pins) {
		for (unsigned i = 0; i < PIN_PAGES; i++)
			g_map(&w->s, cur_root(w), KVA + i * 4096ull,
			      (DATA_GFNS - 1 - i) * 4096ull, PTE_RW, 1);
		w->pins = true;
		if (sim_hc(&w->s, UMBRA_HC_SHADOW_PIN, KVA, KVA + PIN_PAGES * 4096ull, 0, 0))
			sim_violation(&w->s, "pin refused", KVA);
	}
	unsigned audit_bad = 0;
	for (unsigned n = 0; n < nops; n++) {
		switch (rnd_below(&w->r, 20)) {
		case 0: case 1: case 2: case 3: op_map4k(w); break;
		case 4: case 5: case 6: op_change(w); break;
		case 7: op_large(w); break;
		case 8: if (rnd_below(&w->r, 4) == 0) op_fork(w); break;
		case 9: if (rnd_below(&w->r, 4) == 0) op_exit(w); break;
		case 10: op_switch(w); break;
		case 11: op_host_kick(w); break;
		case 12: if (w->hm) op_host_kick(w); else op_access(w); break;
		default: op_access(w); break;
		}
		w->ops++;
		/* Queued invalidations count once a synchronous call ran. */
		if (w->pending) {
			sim_hc(&w->s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0);
			w->pending = false;
		}
		sim_check_tlb(&w->s);
		if (w->pins)
			check_pins(w);
		for (int i = 0; i < 8; i++)
			sim_check_va(&w->s, (i < 4 && w->nr_recent) ?
				     w->recent[rnd_below(&w->r, w->nr_recent < 64 ? w->nr_recent : 64)] :
				     pick_va(w));
		if (n % 8 == 7 || n == nops - 1)
			audit_bad += sim_audit_quiet(&w->s, quiet);
		if (shadow_nr_pages(w->s.mmu) > shadow_budget(w->s.mmu))
			sim_violation(&w->s, "over the shadow-page budget", 0);
	}
	unsigned bad = w->s.violations + audit_bad;
	if (accesses)
		*accesses = w->accesses;
	if (!quiet && bad)
		fprintf(stderr, "  seed %llu budget %u prefetch %u roots %u large %d queue %d: "
			"%u violations, %u audit findings\n", (unsigned long long)seed,
			rc->budget, rc->prefetch, rc->roots, rc->large, rc->queue,
			w->s.violations, audit_bad);
	if (getenv("UMBRA_SHADOW_STATS"))
		shadow_print_stats(w->s.mmu, stderr);
	sim_destroy(&w->s);
	free(w);
	return bad;
}

static const struct rcfg configs[] = {
	{0, ~0u, 0, false, false, false, true, false}, /* defaults: 2% budget, prefetch 16, 4 roots; pins */
	{0, ~0u, 0, true, true, false, true, false},   /* 2M machine runs, batch queue; pins */
	{4, ~0u, 1, false, true, false, false, false},      /* the floor: 4 shadow pages, one root */
	{6, 0, 2, true, false, false, false, false},        /* tiny budget, no prefetch */
	{12, 512, 3, true, true, false, false, false}, /* prefetch a whole table */
	{5, ~0u, 2, true, true, true, false, false},   /* 5-level paging at its floor */
	{0, 8, 0, false, false, true, true, false}, /* 5-level, defaults; pins */
	/* Host memory (host_mem.c): swap, migration, merges, reclaim. */
	{0, ~0u, 0, true, true, false, true, true},  /* 2M runs, queue, pins */
	{6, 0, 2, false, false, false, false, true}, /* tiny budget, no prefetch */
};

TEST(shadow_random_never_wider)
{
	uint64_t total = 0;
	for (unsigned c = 0; c < sizeof(configs) / sizeof(configs[0]); c++)
		for (uint64_t seed = 1; seed <= 6; seed++) {
			uint64_t acc = 0;
			CHECK_EQ(run_world(&configs[c], seed * 100 + c, 1500, false, &acc), 0);
			total += acc;
		}
	CHECK(total > 10000);
}

/* The checks must be able to fail: with invalidations ignored, the same
 * sequences leave shadow entries wider than the guest's. */
TEST(shadow_random_catches_broken_invalidate)
{
	shadow_debug_skip_invalidate = true;
	unsigned bad = 0, mismatches = sim_audit_mismatches;
	for (uint64_t seed = 1; seed <= 3; seed++)
		bad += run_world(&configs[0], seed, 300, true, NULL);
	shadow_debug_skip_invalidate = false;
	CHECK(bad > 0);
	/* With findings, the audit still counts what the reference does. */
	CHECK_EQ(sim_audit_mismatches, mismatches);
}

/* Hostile guests: tables full of random entries (random frames, inside
 * and beyond guest memory, tables used as data and at several levels,
 * random flags and reserved bits), rewritten at random with the matching
 * invalidation, and random hypercall arguments. Nothing may crash, every
 * check must hold, and the audit must find nothing. */
static uint64_t hostile_entry(struct rnd *r, uint64_t first_table, uint64_t nr_gfns)
{
	uint64_t gfn;
	switch (rnd_below(r, 4)) {
	case 0: gfn = first_table + rnd_below(r, 16); break;   /* a table */
	case 1: gfn = rnd_below(r, (unsigned)nr_gfns); break;
	case 2: gfn = nr_gfns + rnd_below(r, 100000); break;    /* beyond */
	default: gfn = rnd_below(r, 64); break;
	}
	uint64_t e = gfn << 12;
	e |= rnd_next(r) & (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_PS | PTE_G);
	if (rnd_below(r, 3))
		e |= PTE_P;
	if (rnd_below(r, 4) == 0)
		e |= PTE_NX;
	if (rnd_below(r, 16) == 0)
		e |= 1ull << (12 + rnd_below(r, 40)); /* often reserved */
	return e;
}

TEST(shadow_random_hostile_tables)
{
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct sim s;
		struct rnd r = {seed * 7919};
		struct shadow_config c = {
			.efer_nxe = true, .cr4_smep = true, .cr4_smap = true,
			.maxphyaddr = 46, .prefetch = ~0u,
			.budget_pages = seed % 2 ? 5 : 0,
		};
		if (sim_init(&s, 1024, 4096, &c))
			abort();
		s.p2m.large_first_touch = seed % 3 == 0;
		/* 16 table frames at the top, all of them random. */
		uint64_t first = 1024 - 16;
		for (uint64_t t = 0; t < 16; t++)
			for (unsigned i = 0; i < 512; i++)
				g_write(&s, ((first + t) << 12) + i * 8,
					rnd_below(&r, 3) ? hostile_entry(&r, first, 1024) : 0);
		int64_t asid = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, first << 12, 0, 0, 0);
		CHECK(asid > 0);
		CHECK_EQ(sim_activate(&s, (uint32_t)asid, first << 12), 0);
		for (int step = 0; step < 3000; step++) {
			/* Addresses whose indices hit the random entries. */
			uint64_t va = (rnd_next(&r) & 0x00007ffffffff000ull);
			if (rnd_below(&r, 2))
				va = ((uint64_t)rnd_below(&r, 4) << 39) |
				     ((uint64_t)rnd_below(&r, 4) << 30) |
				     ((uint64_t)rnd_below(&r, 4) << 21) |
				     ((uint64_t)rnd_below(&r, 8) << 12);
			if (rnd_below(&r, 8) == 0)
				va |= 0xffff800000000000ull;
			unsigned k = rnd_below(&r, 6);
			uint32_t ec;
			s.ac = rnd_below(&r, 2);
			sim_access(&s, va, sim_accesses[k][0], sim_accesses[k][1], &ec);
			if (rnd_below(&r, 4) == 0) {
				/* Rewrite one entry; say so for the whole space. */
				uint64_t ea = ((first + rnd_below(&r, 16)) << 12) +
					      rnd_below(&r, 512) * 8;
				g_write(&s, ea, hostile_entry(&r, first, 1024));
				sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, (uint64_t)asid, 0, 0,
				       1 + rnd_below(&r, 5));
			}
			if (rnd_below(&r, 50) == 0) {
				/* Garbage hypercalls must only ever fail cleanly. */
				uint64_t nr = 4 + rnd_below(&r, 8);
				if (nr != UMBRA_HC_SHADOW_AS_ACTIVATE &&
				    nr != UMBRA_HC_SHADOW_AS_RELEASE &&
				    nr != UMBRA_HC_SHADOW_QUEUE)
					sim_hc(&s, nr, rnd_next(&r), rnd_next(&r) & 0x3ffff,
					       rnd_next(&r), rnd_next(&r));
			}
			sim_check_va(&s, va);
			if (step % 64 == 0)
				CHECK_EQ(sim_audit(&s), 0);
			CHECK(shadow_nr_pages(s.mmu) <= shadow_budget(s.mmu));
		}
		CHECK_EQ(sim_audit(&s), 0);
		CHECK_EQ(s.violations, 0);
		sim_destroy(&s);
	}
}
