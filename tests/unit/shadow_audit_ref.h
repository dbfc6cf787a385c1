/* SPDX-License-Identifier: MIT */
/*
 * The reference audit for the tests: the audit as first written, one full
 * guest walk (walk_guest) and one p2m lookup per frame for every present
 * shadow leaf. Slow, and obviously equal to the composition's definition;
 * shadow/mmu_audit.c (walks the guest tables along the shadow tree, checks
 * a 2M region in one pass) must report the same number of entries
 * (sim_audit and the random tests compare them).
 */
#ifndef UMBRA_TEST_SHADOW_AUDIT_REF_H
#define UMBRA_TEST_SHADOW_AUDIT_REF_H

#include "../../shadow/mmu_internal.h"

struct ref_audit {
	struct shadow_mmu *mmu;
	struct shadow_as *as;
	shadow_audit_report report;
	void *opaque;
	unsigned bad;
};

static inline void ref_bad(struct ref_audit *a, uint64_t gva, unsigned level, uint64_t spte,
		const char *why)
{
	a->bad++;
	if (a->report)
		a->report(a->opaque, a->as->asid, gva, level, spte, why);
}

static inline const char *ref_check_leaf(struct ref_audit *a, uint64_t gva, unsigned level,
			      uint64_t spte)
{
	struct shadow_mmu *mmu = a->mmu;
	struct walk_ctx ctx;
	struct walk_result r;
	/* A supervisor read with SMAP/SMEP off succeeds wherever the guest
	 * maps anything, and reports the combined rights. */
	guest_walk_ctx(mmu, a->as, &ctx, 0, false, false);
	ctx.cr4_smap = ctx.cr4_smep = false;
	if (walk_guest(&ctx, gva, 0, &r) != WALK_OK)
		return "the guest does not map this address";
	/* The entries as stored (a walk without write-back reports the A it
	 * would set). */
	uint64_t gpte[WALK_MAX_LEVELS];
	for (unsigned i = 0; i < r.nlevels; i++) {
		if (p2m_read64(mmu->p2m, r.pte_gpa[i], &gpte[i]))
			return "a guest entry is unreadable";
		if (!(gpte[i] & PTE_A))
			return "a guest entry on the path is not accessed";
	}
	uint64_t size = 1ull << level_shift(level);
	if (size > r.page_size)
		return "larger page than the guest's";
	uint64_t gleaf = gpte[r.nlevels - 1];
	bool host_w = true;
	for (uint64_t i = 0; i < size / FRAME_SIZE; i++) {
		uint64_t m;
		unsigned perms;
		if (p2m_lookup(mmu->p2m, (r.gpa >> 12) + i, &m, &perms))
			return "the guest frame has no machine frame";
		if (m != spte_addr(spte) + i * FRAME_SIZE)
			return "machine frame differs from the p2m";
		host_w = host_w && (perms & EPTE_W);
	}
	if (spte & PTE_RW) {
		if (!(r.rights & WALK_R_W))
			return "writable, the guest's is not";
		if (!(gleaf & PTE_D))
			return "writable, the guest entry is not dirty";
		if (!host_w)
			return "writable, the machine frame is not";
	}
	if (!!(spte & PTE_US) != !!(r.rights & WALK_R_U))
		return "U/S differs from the guest's";
	if (mmu->cfg.efer_nxe && !(spte & PTE_NX) && !(r.rights & WALK_R_X))
		return "executable, the guest's is not";
	if (mmu->cfg.cr4_pke &&
	    ((spte ^ gleaf) & PTE_PKEY_MASK))
		return "protection key differs from the guest's";
	return NULL;
}

static inline void ref_audit_sp(struct ref_audit *a, struct kvm_mmu_page *sp, uint64_t base)
{
	unsigned level = sp->role.level;
	unsigned bits = a->mmu->levels == 5 ? 57 : 48;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t spte = sp->spt[i];
		if (!is_shadow_present_pte(spte))
			continue;
		uint64_t va = base + ((uint64_t)i << level_shift(level));
		if (sp->root) {
			int sh = 64 - (int)bits;
			va = (uint64_t)(((int64_t)(va << sh)) >> sh);
		}
		if (is_last_spte(spte, level)) {
			const char *why = ref_check_leaf(a, va, level, spte);
			if (why)
				ref_bad(a, va, level, spte, why);
			continue;
		}
		struct kvm_mmu_page *child = spte_to_child(a->mmu, spte);
		if (!child || child->role.level != level - 1) {
			ref_bad(a, va, level, spte, "link to something not a shadow page below");
			continue;
		}
		ref_audit_sp(a, child, va);
	}
}

static inline unsigned shadow_audit_reference(struct shadow_mmu *mmu)
{
	struct ref_audit a = {.mmu = mmu};
	for (unsigned i = 0; i < mmu->nr_as; i++) {
		a.as = mmu->as[i];
		if (a.as->asid && a.as->root && !a.as->dying)
			ref_audit_sp(&a, a.as->root, 0);
	}
	return a.bad;
}

/* Shadow pages whose present bitmap (what the audit visits) differs from
 * their entries. */
static inline unsigned shadow_present_bitmap_mismatches(const struct shadow_mmu *mmu)
{
	unsigned bad = 0;
	for (const struct kvm_mmu_page *sp = mmu->active.next; sp != &mmu->active;
	     sp = sp->next) {
		unsigned n = 0;
		for (unsigned i = 0; i < 512; i++) {
			bool p = is_shadow_present_pte(sp->spt[i]);
			n += p;
			if (p != !!(sp->present[i / 64] & (1ull << (i % 64))))
				bad++;
		}
		if (n != sp->nr_present)
			bad++;
	}
	return bad;
}

#endif
