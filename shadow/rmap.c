/* SPDX-License-Identifier: MIT */
/*
 * Reverse maps: for a guest frame (and a level: 4K or 2M entries), the
 * shadow leaf entries that map it, so a p2m or host change to the frame
 * zaps exactly those (KVM's rmap_head / kvm_zap_rmap).
 */
#include <stdlib.h>

#include "mmu_internal.h"

static unsigned rmap_hash(uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	return (unsigned)((h >> 40) % RMAP_HASH_SIZE);
}

static struct rmap_head *rmap_get(struct shadow_mmu *mmu, uint64_t key, bool create)
{
	struct rmap_head **pp = &mmu->rmap[rmap_hash(key)];
	for (struct rmap_head *h = *pp; h; h = h->next)
		if (h->key == key)
			return h;
	if (!create)
		return NULL;
	/* A head freed before, with its refs array, else a new one: a fill
	 * is on the fault path, malloc is not cheap there. */
	struct rmap_head *h = mmu->rmap_free;
	if (h)
		mmu->rmap_free = h->next;
	else if (!(h = calloc(1, sizeof(*h))))
		abort();
	h->key = key;
	h->n = 0;
	h->next = *pp;
	*pp = h;
	return h;
}

static uint64_t rmap_key(uint64_t gfn, unsigned level)
{
	return gfn << 3 | level;
}

void rmap_add(struct shadow_mmu *mmu, uint64_t gfn, unsigned level,
	      struct kvm_mmu_page *sp, unsigned idx)
{
	struct rmap_head *h = rmap_get(mmu, rmap_key(gfn, level), true);
	if (h->n == h->cap) {
		unsigned cap = h->cap ? 2 * h->cap : 2;
		struct spte_ref *r = realloc(h->refs, cap * sizeof(*r));
		if (!r)
			abort();
		h->refs = r;
		h->cap = cap;
	}
	h->refs[h->n++] = (struct spte_ref){sp, idx};
}

static void rmap_free_head(struct shadow_mmu *mmu, struct rmap_head *h)
{
	struct rmap_head **pp = &mmu->rmap[rmap_hash(h->key)];
	while (*pp != h)
		pp = &(*pp)->next;
	*pp = h->next;
	h->next = mmu->rmap_free;
	mmu->rmap_free = h;
}

void rmap_remove(struct shadow_mmu *mmu, uint64_t gfn, unsigned level,
		 struct kvm_mmu_page *sp, unsigned idx)
{
	struct rmap_head *h = rmap_get(mmu, rmap_key(gfn, level), false);
	if (!h)
		return;
	for (unsigned i = 0; i < h->n; i++)
		if (h->refs[i].sp == sp && h->refs[i].idx == idx) {
			h->refs[i] = h->refs[--h->n];
			break;
		}
	if (h->n == 0)
		rmap_free_head(mmu, h);
}

unsigned rmap_zap(struct shadow_mmu *mmu, uint64_t gfn, unsigned level)
{
	unsigned n = 0;
	struct rmap_head *h;
	/* Each zap removes its own reference (and may free the head). */
	while ((h = rmap_get(mmu, rmap_key(gfn, level), false))) {
		struct spte_ref r = h->refs[h->n - 1];
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
	struct rmap_head *h = rmap_get(mmu, rmap_key(gfn, 1), false);
	for (unsigned i = 0; h && i < h->n;) {
		struct spte_ref r = h->refs[i];
		uint64_t *spte = &r.sp->spt[r.idx];
		if (r.sp->pinned) {
			/* Pinned paths are refilled whole after a zap, with
			 * the rights the guest gives (mmu_after_zap). */
			mmu_zap_spte(mmu, r.sp, r.idx);
			h = rmap_get(mmu, rmap_key(gfn, 1), false);
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
		struct rmap_head *h = rmap_get(mmu, rmap_key(key, level), false);
		for (unsigned i = 0; h && i < h->n; i++) {
			uint64_t *spte = &h->refs[i].sp->spt[h->refs[i].idx];
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

void rmap_destroy(struct shadow_mmu *mmu)
{
	for (unsigned i = 0; i < RMAP_HASH_SIZE; i++)
		while (mmu->rmap[i])
			rmap_free_head(mmu, mmu->rmap[i]);
	while (mmu->rmap_free) {
		struct rmap_head *h = mmu->rmap_free;
		mmu->rmap_free = h->next;
		free(h->refs);
		free(h);
	}
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
		struct rmap_head *h = rmap_get(mmu, rmap_key(key, level), false);
		for (unsigned i = 0; h && i < h->n; i++) {
			if (!ref_supervisor(&h->refs[i]))
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
			struct rmap_head *h;
			/* Each zap removes its reference (and may free the
			 * head): look the head up again every time. */
			for (unsigned i = 0; (h = rmap_get(mmu, rmap_key(key, level), false)) &&
					     i < h->n;) {
				struct spte_ref r = h->refs[i];
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
