/* SPDX-License-Identifier: MIT */
/*
 * The audit (KVM's mmu_audit.c, for the property that matters): every
 * present shadow leaf, reached from every root, is compared with the
 * composition of the guest tables and the p2m at its address. An entry
 * wider than the composition — a frame other than the p2m's, a page larger
 * than the guest's, write without guest W, D or host W, execute without
 * guest X, a U/S bit other than the guest's (either way changes what
 * SMAP/SMEP allow), a key other than the guest's — or one the guest does
 * not map, or maps without A, or one its frame's reverse map does not list
 * (a host change to the frame would miss it), is reported with its address.
 *
 * It runs after every hypercall with --audit, so it is built for speed:
 * the guest tables are walked together with the shadow tree, one guest
 * entry per shadow entry (the guest table of a level is looked up in the
 * p2m once, then read directly), instead of a full guest walk per leaf;
 * and a 2M leaf's 512 frames are checked in one pass over the p2m's leaf
 * table (p2m_lookup_2m), once per audit for each 2M region; 4K lookups
 * (leaf frames, guest tables) read the p2m's leaf table of their region,
 * found once per audit (p2m_leaf_table), not an EPT walk each; and only
 * present entries are visited (a bitmap per shadow page), not all 512. The walk
 * applies walk_guest's rules for a supervisor read without SMAP/SMEP (the
 * widest access): present, no reserved bit, PS only at levels 2 and 3;
 * tests/unit/test_shadow_random.c checks it against a full walk per leaf.
 */
#include <errno.h>
#include <stdlib.h>

#include "mmu_internal.h"

static const char NOT_MAPPED[] = "the guest does not map this address";

/* The guest's side of one shadow entry: the path so far. */
struct gpath {
	const char *why;  /* the guest walk fails here (reported at each leaf) */
	bool not_accessed;/* an entry on the path lacks A */
	bool leaf;        /* the guest leaf is at or above this level */
	unsigned rights;  /* WALK_R_* combined over the path */
	uint64_t table;   /* !leaf: guest-physical address of the next table */
	uint64_t gleaf;   /* leaf: the guest leaf entry */
	uint64_t base;    /* leaf: guest-physical base of the guest page */
	uint64_t psize;   /* leaf: its size */
};

/* One 2M region of guest frames, looked at once per audit: the p2m's leaf
 * table holding its entries, and the whole-region check of a 2M leaf. */
struct region {
	uint32_t stamp;   /* == audit.stamp: valid in this audit */
	bool checked;     /* r, maddr, all hold p2m_lookup_2m's answer */
	const uint64_t *table;
	int r;
	uint64_t maddr;
	unsigned all;
};

struct audit {
	struct shadow_mmu *mmu;
	struct shadow_as *as;
	shadow_audit_report report;
	void *opaque;
	unsigned bad;
	struct walk_ctx ctx;  /* for the reserved-bit masks */
	uint64_t amask;
	uint64_t rsvd[6][2];  /* walk_rsvd_mask by level and PS */
	struct region *regions;
	uint64_t nr_regions;
	uint32_t stamp;
};

static void bad(struct audit *a, uint64_t gva, unsigned level, uint64_t spte,
		const char *why)
{
	a->bad++;
	if (a->report)
		a->report(a->opaque, a->as->asid, gva, level, spte, why);
}

static struct region *region_of(struct audit *a, uint64_t gfn)
{
	struct region *rg = &a->regions[gfn / FRAMES_PER_2M];
	if (rg->stamp != a->stamp) {
		rg->stamp = a->stamp;
		rg->checked = false;
		rg->table = p2m_leaf_table(a->mmu->p2m, gfn);
	}
	return rg;
}

/* p2m_lookup's answer, read from the region's leaf table. */
static int lookup(struct audit *a, uint64_t gfn, uint64_t *maddr, unsigned *perms)
{
	if (gfn >= a->mmu->p2m->nr_gfns)
		return -EINVAL;
	if (!a->regions)
		return p2m_lookup(a->mmu->p2m, gfn, maddr, perms);
	const uint64_t *t = region_of(a, gfn)->table;
	uint64_t e = t ? t[gfn % FRAMES_PER_2M] : 0;
	if (!(e & EPTE_RWX))
		return -ENOENT;
	*maddr = e & P2M_ENTRY_ADDR;
	*perms = (unsigned)(e & EPTE_RWX);
	return 0;
}

/* The frames of [gfn, gfn + n): 0 when they equal maddr onwards, with
 * *host_w when all are writable. */
static const char *check_frames(struct audit *a, uint64_t gfn, uint64_t n,
				uint64_t maddr, bool *host_w)
{
	uint64_t m;
	unsigned perms;
	if (n == FRAMES_PER_2M && !(gfn % FRAMES_PER_2M) && a->regions &&
	    gfn + n <= a->mmu->p2m->nr_gfns) {
		/* A 2M leaf: the region in one pass, once per audit. */
		struct region *rg = region_of(a, gfn);
		if (!rg->checked) {
			unsigned any;
			rg->r = p2m_lookup_2m(a->mmu->p2m, gfn, &rg->maddr, &rg->all, &any);
			rg->checked = true;
		}
		if (!rg->r && rg->maddr == maddr) {
			*host_w = rg->all & EPTE_W;
			return NULL;
		}
		/* Otherwise frame by frame below, for the exact reason. */
	}
	*host_w = true;
	for (uint64_t i = 0; i < n; i++) {
		if (lookup(a, gfn + i, &m, &perms))
			return "the guest frame has no machine frame";
		if (m != maddr + i * FRAME_SIZE)
			return "machine frame differs from the p2m";
		*host_w = *host_w && (perms & EPTE_W);
	}
	return NULL;
}

static const char *check_leaf(struct audit *a, uint64_t gva, unsigned level,
			      uint64_t spte, const struct gpath *g)
{
	struct shadow_mmu *mmu = a->mmu;
	if (g->why)
		return g->why;
	if (!g->leaf)
		return NOT_MAPPED; /* a shadow leaf above the guest's leaf level */
	if (g->not_accessed)
		return "a guest entry on the path is not accessed";
	uint64_t size = 1ull << level_shift(level);
	if (size > g->psize)
		return "larger page than the guest's";
	uint64_t gpa = g->base | (gva & (g->psize - 1) & ~(size - 1));
	bool host_w = false;
	const char *why = check_frames(a, gpa >> 12, size / FRAME_SIZE,
				       spte_addr(spte), &host_w);
	if (why)
		return why;
	if (spte & PTE_RW) {
		if (!(g->rights & WALK_R_W))
			return "writable, the guest's is not";
		if (!(g->gleaf & PTE_D))
			return "writable, the guest entry is not dirty";
		if (!host_w)
			return "writable, the machine frame is not";
	}
	if (!!(spte & PTE_US) != !!(g->rights & WALK_R_U))
		return "U/S differs from the guest's";
	if (mmu->cfg.efer_nxe && !(spte & PTE_NX) && !(g->rights & WALK_R_X))
		return "executable, the guest's is not";
	if (mmu->cfg.cr4_pke && ((spte ^ g->gleaf) & PTE_PKEY_MASK))
		return "protection key differs from the guest's";
	return NULL;
}

/* The guest path one level down, through entry idx of the guest table
 * g->table (t: its contents, NULL when it reads as zeros) at level. */
static void descend(const struct audit *a, const struct gpath *g, const uint64_t *t,
		    unsigned level, unsigned idx, struct gpath *out)
{
	*out = *g;
	if (g->why || g->leaf)
		return;
	uint64_t e = t ? t[idx] : 0;
	bool ps = e & PTE_PS;
	if (!(e & PTE_P) || (e & a->rsvd[level][ps])) {
		out->why = NOT_MAPPED;
		return;
	}
	out->not_accessed = g->not_accessed || !(e & PTE_A);
	if (!(e & PTE_RW))
		out->rights &= ~WALK_R_W;
	if (!(e & PTE_US))
		out->rights &= ~WALK_R_U;
	if (a->ctx.efer_nxe && (e & PTE_NX))
		out->rights &= ~WALK_R_X;
	if (level == 1 || ps) {
		out->leaf = true;
		out->gleaf = e;
		out->psize = 1ull << level_shift(level);
		out->base = e & a->amask & ~(out->psize - 1);
	} else {
		out->table = e & a->amask;
	}
}

/* The contents of the guest table at gpa: NULL when it reads as zeros
 * (no machine frame yet); *why when it lies outside guest memory. A table
 * host memory holds elsewhere (swapped out, or dropped from the p2m by an
 * invalidation) is read into buf. */
static const uint64_t *map_table(struct audit *a, uint64_t gpa, const char **why,
				 uint64_t *buf)
{
	uint64_t m;
	unsigned perms;
	int r = lookup(a, gpa >> 12, &m, &perms);
	*why = NULL;
	if (r == -ENOENT && a->mmu->p2m->hm &&
	    host_mem_read(a->mmu->p2m->hm, gpa & ~0xfffull, buf, 4096) == 0)
		return buf;
	if (r == -ENOENT)
		return NULL;
	if (r) {
		*why = NOT_MAPPED;
		return NULL;
	}
	return frame_pool_ptr(a->mmu->p2m->pool, m);
}

static void audit_sp(struct audit *a, struct kvm_mmu_page *sp, uint64_t base,
		     const struct gpath *g)
{
	unsigned level = sp->role.level;
	struct gpath here = *g;
	const uint64_t *t = NULL;
	uint64_t buf[512];
	if (!here.why && !here.leaf)
		t = map_table(a, here.table, &here.why, buf);
	/* Only the present entries (the page's bitmap; the tests check it
	 * against the entries). */
	for (unsigned w = 0; w < 8; w++)
	for (uint64_t set = sp->present[w]; set; set &= set - 1) {
		unsigned i = w * 64 + (unsigned)__builtin_ctzll(set);
		uint64_t spte = sp->spt[i];
		if (!is_shadow_present_pte(spte)) {
			bad(a, base + ((uint64_t)i << level_shift(level)), level, spte,
			    "the present bitmap names an empty entry");
			continue;
		}
		uint64_t va = sp->root ? root_entry_va(a->mmu->levels, i)
				       : base + ((uint64_t)i << level_shift(level));
		struct gpath next;
		descend(a, &here, t, level, i, &next);
		if (is_last_spte(spte, level)) {
			a->mmu->stats.audit_leaves++;
			const char *why = check_leaf(a, va, level, spte, &next);
			if (!why && !rmap_lists(a->mmu, sp->gfns[i], level, sp, i))
				why = "the reverse map of its frame does not list it";
			if (why)
				bad(a, va, level, spte, why);
			continue;
		}
		struct kvm_mmu_page *child = spte_to_child(a->mmu, spte);
		if (!child || child->role.level != level - 1) {
			bad(a, va, level, spte, "link to something not a shadow page below");
			continue;
		}
		audit_sp(a, child, va, &next);
	}
}

unsigned shadow_audit(struct shadow_mmu *mmu, shadow_audit_report report,
		      void *opaque)
{
	struct audit a = {.mmu = mmu, .report = report, .opaque = opaque};
	/* The regions live in the MMU from one audit to the next (no
	 * allocation per audit); the stamp makes every one stale. */
	a.nr_regions = (mmu->p2m->nr_gfns + FRAMES_PER_2M - 1) / FRAMES_PER_2M;
	if (!mmu->audit_regions)
		mmu->audit_regions = calloc(a.nr_regions, sizeof(struct region));
	a.regions = mmu->audit_regions; /* NULL: every lookup by p2m_lookup */
	if (++mmu->audit_stamp == 0)
		mmu->audit_stamp = 1; /* 0 is what calloc gave */
	a.stamp = mmu->audit_stamp;
	for (unsigned i = 0; i < mmu->nr_as; i++) {
		a.as = mmu->as[i];
		/* A released space whose root a vCPU still runs (or just
		 * left: freed at that vCPU's next call) has no guest tables
		 * any more: the guest may free them once it released it. */
		if (!a.as->asid || !a.as->root || a.as->dying)
			continue;
		guest_walk_ctx(mmu, a.as, &a.ctx, 0, false, false);
		unsigned m = a.ctx.maxphyaddr;
		m = (m == 0 || m > 52) ? 52 : m < 13 ? 13 : m;
		a.amask = pte_bits(12, (int)m - 1);
		for (unsigned l = 1; l <= 5; l++)
			for (unsigned ps = 0; ps < 2; ps++)
				a.rsvd[l][ps] = walk_rsvd_mask(&a.ctx, l, ps);
		struct gpath g = {.rights = WALK_R_W | WALK_R_U | WALK_R_X,
				  .table = a.ctx.cr3 & a.amask};
		audit_sp(&a, a.as->root, 0, &g);
	}
	return a.bad;
}
