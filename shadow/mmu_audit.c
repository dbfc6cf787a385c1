/* SPDX-License-Identifier: MIT */
/*
 * The audit (KVM's mmu_audit.c, for the property that matters): every
 * present shadow leaf, reached from every root, is compared with the
 * composition of the guest tables and the p2m at its address. An entry
 * wider than the composition — a frame other than the p2m's, a page larger
 * than the guest's, write without guest W, D or host W, execute without
 * guest X, a U/S bit other than the guest's (either way changes what
 * SMAP/SMEP allow), a key other than the guest's — or one the guest does
 * not map, or maps without A, is reported with its address.
 */
#include "mmu_internal.h"

struct audit {
	struct shadow_mmu *mmu;
	struct shadow_as *as;
	shadow_audit_report report;
	void *opaque;
	unsigned bad;
};

static void bad(struct audit *a, uint64_t gva, unsigned level, uint64_t spte,
		const char *why)
{
	a->bad++;
	if (a->report)
		a->report(a->opaque, a->as->asid, gva, level, spte, why);
}

static const char *check_leaf(struct audit *a, uint64_t gva, unsigned level,
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

static void audit_sp(struct audit *a, struct kvm_mmu_page *sp, uint64_t base)
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
			const char *why = check_leaf(a, va, level, spte);
			if (why)
				bad(a, va, level, spte, why);
			continue;
		}
		struct kvm_mmu_page *child = spte_to_child(a->mmu, spte);
		if (!child || child->role.level != level - 1) {
			bad(a, va, level, spte, "link to something not a shadow page below");
			continue;
		}
		audit_sp(a, child, va);
	}
}

unsigned shadow_audit(struct shadow_mmu *mmu, shadow_audit_report report,
		      void *opaque)
{
	struct audit a = {.mmu = mmu, .report = report, .opaque = opaque};
	for (unsigned i = 0; i < mmu->nr_as; i++) {
		a.as = mmu->as[i];
		if (a.as->asid && a.as->root)
			audit_sp(&a, a.as->root, 0);
	}
	return a.bad;
}
