/* SPDX-License-Identifier: MIT */
/*
 * Reverse maps: for a guest frame (and a level: 4K or 2M entries), the
 * shadow leaf entries that map it, so a p2m or host change to the frame
 * zaps exactly those (KVM's rmap_head / kvm_zap_rmap).
 */
#include <errno.h>
#include <stdlib.h>

#include "mmu_internal.h"

/*
 * A list is one word per (gfn, level), as KVM's kvm_rmap_head: 0 when
 * empty; the host address of the one shadow entry that maps the frame
 * (the common case: no allocation, one store); or, with bit 0 set, a
 * struct rmap_head holding two or more.
 */
#define RMAP_MANY 1ul

int rmap_init(struct shadow_mmu *mmu)
{
	uint64_t n = mmu->p2m->nr_gfns;
	mmu->rmap_4k = calloc(n, sizeof(*mmu->rmap_4k));
	mmu->rmap_2m = calloc(n / FRAMES_PER_2M + 1, sizeof(*mmu->rmap_2m));
	return mmu->rmap_4k && mmu->rmap_2m ? 0 : -ENOMEM;
}

static uintptr_t rmap_val(const struct shadow_mmu *mmu, uint64_t gfn, unsigned level)
{
	const uintptr_t *slot = rmap_slot(mmu, gfn, level);
	return slot ? *slot : 0;
}

static struct rmap_head *rmap_many(uintptr_t v)
{
	return (struct rmap_head *)(v & ~RMAP_MANY);
}

static unsigned rmap_count(uintptr_t v)
{
	return !v ? 0 : (v & RMAP_MANY) ? rmap_many(v)->n : 1;
}

/* The shadow page and index of the entry at host address sptep. */
static struct spte_ref sptep_ref(const struct shadow_mmu *mmu, uintptr_t sptep)
{
	uint64_t off = sptep - (uintptr_t)mmu->pool->mem;
	return (struct spte_ref){mmu->sp_of_frame[off / FRAME_SIZE],
				 (unsigned)(off % FRAME_SIZE / sizeof(uint64_t))};
}

/* Reference i (< rmap_count(v)) of the list v. */
static struct spte_ref rmap_at(const struct shadow_mmu *mmu, uintptr_t v, unsigned i)
{
	return (v & RMAP_MANY) ? rmap_many(v)->refs[i] : sptep_ref(mmu, v);
}

unsigned rmap_entries(const struct shadow_mmu *mmu, uint64_t gfn, unsigned level)
{
	return rmap_count(rmap_val(mmu, gfn, level));
}

bool rmap_lists(const struct shadow_mmu *mmu, uint64_t gfn, unsigned level,
		const struct kvm_mmu_page *sp, unsigned idx)
{
	uintptr_t v = rmap_val(mmu, gfn, level);
	for (unsigned i = 0; i < rmap_count(v); i++) {
		struct spte_ref r = rmap_at(mmu, v, i);
		if (r.sp == sp && r.idx == idx)
			return true;
	}
	return false;
}

/* A head for two or more references: one freed before, with its refs
 * array, else a new one (a fill is on the fault path, malloc is not
 * cheap there). */
static struct rmap_head *rmap_head_get(struct shadow_mmu *mmu)
{
	struct rmap_head *h = mmu->rmap_free;
	if (h)
		mmu->rmap_free = h->next_free;
	else if (!(h = calloc(1, sizeof(*h))))
		abort();
	h->n = 0;
	return h;
}

static void rmap_head_put(struct shadow_mmu *mmu, struct rmap_head *h)
{
	h->next_free = mmu->rmap_free;
	mmu->rmap_free = h;
}

static void rmap_head_append(struct rmap_head *h, struct spte_ref r)
{
	if (h->n == h->cap) {
		unsigned cap = h->cap ? 2 * h->cap : 4;
		struct spte_ref *refs = realloc(h->refs, cap * sizeof(*refs));
		if (!refs)
			abort();
		h->refs = refs;
		h->cap = cap;
	}
	h->refs[h->n++] = r;
}

void rmap_add_more(struct shadow_mmu *mmu, uintptr_t *slot, struct kvm_mmu_page *sp,
		   unsigned idx)
{
	if (!(*slot & RMAP_MANY)) {
		struct rmap_head *h = rmap_head_get(mmu);
		rmap_head_append(h, sptep_ref(mmu, *slot));
		*slot = (uintptr_t)h | RMAP_MANY;
	}
	rmap_head_append(rmap_many(*slot), (struct spte_ref){sp, idx});
}

void rmap_remove(struct shadow_mmu *mmu, uint64_t gfn, unsigned level,
		 struct kvm_mmu_page *sp, unsigned idx)
{
	uintptr_t *slot = rmap_slot(mmu, gfn, level);
	if (!slot || !*slot)
		return;
	if (!(*slot & RMAP_MANY)) {
		if (*slot == (uintptr_t)&sp->spt[idx])
			*slot = 0;
		return;
	}
	struct rmap_head *h = rmap_many(*slot);
	for (unsigned i = 0; i < h->n; i++)
		if (h->refs[i].sp == sp && h->refs[i].idx == idx) {
			h->refs[i] = h->refs[--h->n];
			break;
		}
	if (h->n > 1)
		return;
	/* One left: back to the single word. */
	*slot = h->n ? (uintptr_t)&h->refs[0].sp->spt[h->refs[0].idx] : 0;
	rmap_head_put(mmu, h);
}

unsigned rmap_zap(struct shadow_mmu *mmu, uint64_t gfn, unsigned level)
{
	unsigned n = 0;
	uintptr_t v;
	/* Each zap removes its own reference (and may free the head). */
	while ((v = rmap_val(mmu, gfn, level))) {
		struct spte_ref r = rmap_at(mmu, v, rmap_count(v) - 1);
		if (!is_shadow_present_pte(r.sp->spt[r.idx])) {
			/* Cannot happen; never loop on it. */
			rmap_remove(mmu, gfn, level, r.sp, r.idx);
			continue;
		}
		mmu_zap_spte(mmu, r.sp, r.idx);
		n++;
	}
	return n;
}

unsigned rmap_change_pte(struct shadow_mmu *mmu, uint64_t gfn, uint64_t maddr,
			 bool writable)
{
	unsigned n = 0;
	/* A 2M entry cannot move one of its frames: it goes. */
	n += rmap_zap(mmu, gfn & ~(FRAMES_PER_2M - 1), 2);
	uintptr_t v = rmap_val(mmu, gfn, 1);
	for (unsigned i = 0; i < rmap_count(v);) {
		struct spte_ref r = rmap_at(mmu, v, i);
		uint64_t *spte = &r.sp->spt[r.idx];
		if (r.sp->pinned) {
			/* Pinned paths are refilled whole after a zap, with
			 * the rights the guest gives (mmu_after_zap). */
			mmu_zap_spte(mmu, r.sp, r.idx);
			v = rmap_val(mmu, gfn, 1);
			n++;
			continue;
		}
		*spte = (*spte & ~SPTE_ADDR_MASK) | maddr;
		if (!writable)
			*spte &= ~PTE_RW;
		mmu_flush_asid(mmu, r.sp->asid);
		n++;
		i++;
	}
	return n;
}

bool rmap_age(struct shadow_mmu *mmu, uint64_t gfn, bool clear)
{
	bool young = false;
	for (unsigned level = 1; level <= 2; level++) {
		uint64_t key = level == 1 ? gfn : gfn & ~(FRAMES_PER_2M - 1);
		uintptr_t v = rmap_val(mmu, key, level);
		for (unsigned i = 0; i < rmap_count(v); i++) {
			struct spte_ref r = rmap_at(mmu, v, i);
			uint64_t *spte = &r.sp->spt[r.idx];
			if (!(*spte & PTE_A))
				continue;
			young = true;
			if (!clear)
				continue;
			/* Count a used prefetch before its A bit goes. */
			if (*spte & SPTE_PREFETCHED)
				mmu->stats.prefetch_used++;
			*spte &= ~(PTE_A | SPTE_PREFETCHED);
		}
	}
	return young;
}

static void rmap_free_list(uintptr_t v)
{
	if (v & RMAP_MANY) {
		free(rmap_many(v)->refs);
		free(rmap_many(v));
	}
}

void rmap_destroy(struct shadow_mmu *mmu)
{
	for (uint64_t g = 0; mmu->rmap_4k && g < mmu->p2m->nr_gfns; g++)
		rmap_free_list(mmu->rmap_4k[g]);
	for (uint64_t g = 0; mmu->rmap_2m && g <= mmu->p2m->nr_gfns / FRAMES_PER_2M; g++)
		rmap_free_list(mmu->rmap_2m[g]);
	while (mmu->rmap_free) {
		struct rmap_head *h = mmu->rmap_free;
		mmu->rmap_free = h->next_free;
		rmap_free_list((uintptr_t)h | RMAP_MANY);
	}
	free(mmu->rmap_4k);
	free(mmu->rmap_2m);
	mmu->rmap_4k = mmu->rmap_2m = NULL;
}

/* Whether a reverse-map entry is a supervisor leaf (U/S clear: the leaf
 * carries the whole guest path's rights). Only those can be what the CPU
 * needs to deliver an exception. */
static bool ref_supervisor(const struct spte_ref *r)
{
	return !(r->sp->spt[r->idx] & PTE_US);
}

bool shadow_gfn_remote_ok(struct shadow_mmu *mmu, uint64_t gfn, bool moving)
{
	bool user = false;
	for (unsigned level = 1; level <= 2; level++) {
		uint64_t key = level == 1 ? gfn : gfn & ~(FRAMES_PER_2M - 1);
		uintptr_t v = rmap_val(mmu, key, level);
		for (unsigned i = 0; i < rmap_count(v); i++) {
			struct spte_ref r = rmap_at(mmu, v, i);
			if (!ref_supervisor(&r))
				user = true;
			else if (level == 2 && moving)
				return false;
		}
	}
	return user;
}

unsigned shadow_zap_gfn_user(struct shadow_mmu *mmu, uint64_t gfn, uint64_t n)
{
	unsigned zapped = 0;
	mmu->mmu_invalidate_seq++;
	for (uint64_t g = gfn; g < gfn + n; g++)
		for (unsigned level = 1; level <= 2; level++) {
			uint64_t key = level == 1 ? g : g & ~(FRAMES_PER_2M - 1);
			uintptr_t v;
			/* Each zap removes its reference (and may free the
			 * head): look the list up again every time. */
			for (unsigned i = 0; (v = rmap_val(mmu, key, level)) &&
					     i < rmap_count(v);) {
				struct spte_ref r = rmap_at(mmu, v, i);
				if (ref_supervisor(&r)) {
					i++;
					continue;
				}
				mmu_zap_spte(mmu, r.sp, r.idx);
				zapped++;
			}
		}
	mmu->stats.p2m_zaps += zapped;
	return zapped;
}
