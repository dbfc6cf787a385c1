/* SPDX-License-Identifier: MIT */
/*
 * Pinned ranges (UMBRA_HC_SHADOW_PIN): under shadow paging the CPU delivers
 * a #PF through the guest's IDT, GDT, TSS and stack and runs the handler
 * under the shadow tables, so those pages must never be missing there (a
 * miss would be a double fault). They are filled at activation and again
 * right after anything zaps them (in a fault slot's answer, where that
 * would need room, at the hypercall the declined answer leads to); the
 * shadow pages on their paths are marked pinned and never evicted
 * (mmu_page.c).
 */
#include "mmu_internal.h"

/* Whether gva is shadowed in as onto maddr, writable when want_write:
 * then the pages on its path are marked pinned (a fault may have made
 * them), and nothing needs filling. */
static bool pin_present(struct shadow_mmu *mmu, struct shadow_as *as, uint64_t gva,
			uint64_t maddr, bool want_write)
{
	struct kvm_mmu_page *path[WALK_MAX_LEVELS];
	unsigned n = 0;
	uint64_t spte = mmu_leaf_spte_path(mmu, as, gva, path, &n);
	uint64_t in_leaf = gva & ((1ull << level_shift(mmu->levels - n)) - 1) & ~0xfffull;
	if (!spte || spte_addr(spte) + in_leaf != maddr || (want_write && !(spte & PTE_RW)))
		return false;
	for (unsigned i = 0; i < n; i++)
		path[i]->pinned = true;
	return true;
}

/* Fills one pinned page as a supervisor write would (the CPU pushes the
 * exception frame, sets descriptor A bits), or a read where the guest
 * maps it read-only; a page the guest does not map stays empty. One still
 * shadowed is left as it is: a refresh after a zap elsewhere (a root
 * freed) then makes no page, so evicts none. In a fault slot's answer
 * (fill_only: it runs under a running vCPU) what would change the guest's
 * tables or the p2m, or make room, fails instead: the pins stay stale. */
static int pin_fill(struct shadow_mmu *mmu, struct shadow_as *as, uint64_t gva)
{
	struct walk_ctx ctx;
	struct walk_result r;
	guest_walk_ctx(mmu, as, &ctx, 0, false, true);
	bool writable = walk_guest(&ctx, gva, WALK_WRITE, &r) == WALK_OK;
	if (!writable && walk_guest(&ctx, gva, 0, &r) != WALK_OK)
		return mmu->fill_declined ? -UMBRA_ENOMEM : 0;
	if (mmu->fill_declined)
		return -UMBRA_ENOMEM; /* an A/D write-back refused */
	uint64_t gfn = r.gpa >> 12, maddr;
	unsigned perms = 0;
	if (gfn >= mmu->p2m->nr_gfns)
		return 0;
	if (p2m_lookup(mmu->p2m, gfn, &maddr, &perms)) {
		if (mmu->fill_only)
			return -UMBRA_ENOMEM; /* a first touch changes the p2m */
		if (p2m_populate(mmu->p2m, gfn, &maddr))
			return 0;
		p2m_lookup(mmu->p2m, gfn, &maddr, &perms);
	}
	if (pin_present(mmu, as, gva, maddr, writable && (perms & EPTE_W)))
		return 0;
	if (make_mmu_pages_available(mmu, mmu->levels - 1) ||
	    mmu_fetch(mmu, as, gva, &r, NULL, true))
		return -UMBRA_ENOMEM;
	mmu->stats.pin_fills++;
	return 0;
}

int mmu_fill_pins(struct shadow_mmu *mmu, struct shadow_as *as)
{
	if (!as->pins_stale || !as->root)
		return 0;
	as->pins_stale = false;
	for (unsigned i = 0; i < mmu->nr_pins; i++)
		for (uint64_t va = mmu->pins[i].start; va <= mmu->pins[i].last &&
		     va >= mmu->pins[i].start; va += 4096) {
			int r = pin_fill(mmu, as, va);
			if (r) {
				as->pins_stale = true;
				return r;
			}
		}
	return 0;
}

void mmu_after_zap(struct shadow_mmu *mmu)
{
	if (mmu->pins_zapped) {
		mmu->pins_zapped = false;
		mmu_refresh_pins(mmu);
	}
}

void mmu_refresh_pins(struct shadow_mmu *mmu)
{
	if (!mmu->nr_pins)
		return;
	for (unsigned i = 0; i < mmu->nr_as; i++)
		if (mmu->as[i]->asid)
			mmu->as[i]->pins_stale = true;
	mmu_fill_active_pins(mmu);
}

void mmu_fill_active_pins(struct shadow_mmu *mmu)
{
	for (unsigned v = 0; v < mmu->nr_vcpus; v++)
		if (mmu->vcpu[v].current)
			mmu_fill_pins(mmu, mmu->vcpu[v].current);
}

bool mmu_pins_stale(const struct shadow_mmu *mmu)
{
	for (unsigned v = 0; v < mmu->nr_vcpus; v++) {
		const struct shadow_as *as = mmu->vcpu[v].current;
		if (as && as->root && as->pins_stale)
			return true;
	}
	return false;
}

int shadow_pin_range(struct shadow_mmu *mmu, uint64_t start, uint64_t end)
{
	start &= ~0xfffull;
	if (end <= start || mmu->nr_pins == UMBRA_SHADOW_MAX_PINS)
		return -UMBRA_EINVAL;
	/* Rounded up without overflow: end - start + 4095 wraps for a range
	 * near 2^64 (PIN(0, ~0) came to 0 pages, then a pin of the whole
	 * address space whose fill loop never ended). */
	uint64_t pages = (end - start) / 4096 + ((end - start) % 4096 != 0);
	if (pages > UMBRA_SHADOW_MAX_PIN_PAGES - mmu->nr_pin_pages)
		return -UMBRA_EINVAL;
	mmu->pins[mmu->nr_pins].start = start;
	mmu->pins[mmu->nr_pins].last = start + pages * 4096 - 1;
	mmu->nr_pins++;
	mmu->nr_pin_pages += (unsigned)pages;
	for (unsigned i = 0; i < mmu->nr_as; i++)
		if (mmu->as[i]->asid)
			mmu->as[i]->pins_stale = true;
	for (unsigned v = 0; v < mmu->nr_vcpus; v++)
		if (mmu->vcpu[v].current && mmu_fill_pins(mmu, mmu->vcpu[v].current))
			return -UMBRA_ENOMEM;
	return 0;
}
