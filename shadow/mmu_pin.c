/* SPDX-License-Identifier: MIT */
/*
 * Pinned ranges (UMBRA_HC_SHADOW_PIN): under shadow paging the CPU delivers
 * a #PF through the guest's IDT, GDT, TSS and stack and runs the handler
 * under the shadow tables, so those pages must never be missing there (a
 * miss would be a double fault). They are filled at activation and again
 * right after anything zaps them; the shadow pages on their paths are
 * marked pinned and never evicted (mmu_page.c).
 */
#include "mmu_internal.h"

/* Fills one pinned page as a supervisor write would (the CPU pushes the
 * exception frame, sets descriptor A bits), or a read where the guest
 * maps it read-only; a page the guest does not map stays empty. */
static int pin_fill(struct shadow_mmu *mmu, struct shadow_as *as, uint64_t gva)
{
	struct walk_ctx ctx;
	struct walk_result r;
	guest_walk_ctx(mmu, as, &ctx, 0, false, true);
	if (walk_guest(&ctx, gva, WALK_WRITE, &r) != WALK_OK &&
	    walk_guest(&ctx, gva, 0, &r) != WALK_OK)
		return 0;
	uint64_t gfn = r.gpa >> 12, maddr;
	if (gfn >= mmu->p2m->nr_gfns || p2m_populate(mmu->p2m, gfn, &maddr))
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
	for (unsigned v = 0; v < mmu->nr_vcpus; v++)
		if (mmu->vcpu[v].current)
			mmu_fill_pins(mmu, mmu->vcpu[v].current);
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
