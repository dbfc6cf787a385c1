/* SPDX-License-Identifier: MIT */
/*
 * The shadow page cache (KVM's mmu.c: kvm_mmu_get_page, parent ptes,
 * kvm_mmu_prepare_zap_page, make_mmu_pages_available). Shadow pages are
 * keyed by (asid, guest frame, role) in a hash; each remembers the entries
 * linking to it. A page that loses its last parent is freed at once, so
 * every live shadow page is reachable from a root of its address space:
 * an invalidation that walks the root's tree therefore reaches every
 * shadow entry it has to zap.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ASan: gcc says __SANITIZE_ADDRESS__, clang __has_feature(address_sanitizer). */
#if defined(__SANITIZE_ADDRESS__)
#define SP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SP_ASAN 1
#endif
#endif
#ifdef SP_ASAN
#include <sanitizer/asan_interface.h>
#endif

#include "fault_inject.h"
#include "mmu_internal.h"

/* Allocations tried for one shadow page before the guest is stopped. */
#define SP_ALLOC_TRIES 8

static unsigned sp_hash(uint32_t asid, uint64_t gfn, union kvm_mmu_page_role role)
{
	uint64_t h = (gfn * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)asid << 20) ^ role.word;
	h ^= h >> 29;
	return (unsigned)(h % SP_HASH_SIZE);
}

struct kvm_mmu_page *mmu_find_sp(struct shadow_mmu *mmu, uint32_t asid,
				 uint64_t gfn, union kvm_mmu_page_role role)
{
	for (struct kvm_mmu_page *sp = mmu->sp_hash[sp_hash(asid, gfn, role)];
	     sp; sp = sp->hash_next)
		if (sp->asid == asid && sp->gfn == gfn &&
		    sp->role.word == role.word && !sp->root)
			return sp;
	return NULL;
}

/*
 * Frees the oldest page that is neither a root nor pinned, at most at
 * level `level`: the caller is building a path down to a page of that
 * level, and every page it holds (the ancestors) is above it, so none of
 * them goes.
 */
static bool evict_below(struct shadow_mmu *mmu, unsigned level)
{
	struct kvm_mmu_page *sp = mmu->active.next;
	while (sp != &mmu->active && (sp->root || sp->pinned || sp->role.level > level))
		sp = sp->next;
	if (sp == &mmu->active)
		return false;
	shadow_trace(mmu, TRACE_EVICT, sp->asid, sp->gfn, sp->role.level, 0);
	mmu_free_sp(mmu, sp);
	mmu->stats.sp_evicted++;
	return true;
}

/* A frame for a shadow page. make_mmu_pages_available made room before the
 * fill, so a failure here is the host's (or an injected one): evict a page
 * when one may go, and try again; after SP_ALLOC_TRIES the guest is stopped
 * (a fault it cannot complete would come back for ever). A fault slot's
 * answer evicts nothing (it may take a running vCPU's kernel stack): it is
 * declined, and the guest's hypercall tries again with everything allowed. */
static int alloc_sp_frame(struct shadow_mmu *mmu, unsigned level, uint64_t *maddr)
{
	for (unsigned tries = 1;; tries++) {
		if (!fault_inject_hit(FI_SP_ALLOC) && frame_pool_alloc(mmu->pool, maddr) == 0)
			return 0;
		if (mmu->fill_only) {
			mmu->fill_declined = true;
			host_failure(FI_SP_ALLOC, false, "shadow MMU: a shadow page's frame "
				     "could not be allocated for a fault slot's answer: "
				     "left to the guest's hypercall");
			return -1;
		}
		if (tries == SP_ALLOC_TRIES) {
			host_failure(FI_SP_ALLOC, true, "shadow MMU: no frame for a "
				     "shadow page in %u tries: guest stopped", tries);
			return -1;
		}
		bool evicted = evict_below(mmu, level);
		host_failure(FI_SP_ALLOC, false, "shadow MMU: a shadow page's frame "
			     "could not be allocated: retried%s",
			     evicted ? " after evicting a page" : "");
	}
}

_Static_assert(offsetof(struct kvm_mmu_page, gfns) + sizeof(((struct kvm_mmu_page *)0)->gfns) ==
		       sizeof(struct kvm_mmu_page),
	       "gfns is the last field: a reused header is reset up to it");

/* Under ASan a kept header is poisoned but for its link, so a stale pointer
 * to a freed shadow page is still reported. */
#ifdef SP_ASAN
#define sp_poison(sp, on)                                                              \
	((on) ? ASAN_POISON_MEMORY_REGION(&(sp)->prev, sizeof(*(sp)) - sizeof((sp)->hash_next)) \
	      : ASAN_UNPOISON_MEMORY_REGION((sp), sizeof(*(sp))))
#else
#define sp_poison(sp, on) ((void)(sp), (void)(on))
#endif

/*
 * A header freed before, with its parents array, else a new one (KVM keeps
 * a cache of them too). A header is over 4 KiB: given back to malloc, it
 * went back to the host with its neighbours (the allocator trims), and the
 * next fault that made a shadow page paid for a host page fault and the
 * zeroing again; nested, that was most of the first fault of a mapping.
 */
static struct kvm_mmu_page *sp_header_get(struct shadow_mmu *mmu)
{
	struct kvm_mmu_page *sp = mmu->sp_free;
	if (!sp)
		return calloc(1, sizeof(*sp));
	mmu->sp_free = sp->hash_next;
	sp_poison(sp, false);
	struct parent_ref *parents = sp->parents;
	unsigned cap = sp->cap_parents;
	memset(sp, 0, offsetof(struct kvm_mmu_page, gfns));
	sp->parents = parents;
	sp->cap_parents = cap;
	return sp;
}

static void sp_header_put(struct shadow_mmu *mmu, struct kvm_mmu_page *sp)
{
	sp->hash_next = mmu->sp_free;
	mmu->sp_free = sp;
	sp_poison(sp, true);
}

void mmu_free_sp_headers(struct shadow_mmu *mmu)
{
	while (mmu->sp_free) {
		struct kvm_mmu_page *sp = mmu->sp_free;
		mmu->sp_free = sp->hash_next;
		sp_poison(sp, false);
		free(sp->parents);
		free(sp);
	}
}

struct kvm_mmu_page *mmu_alloc_sp(struct shadow_mmu *mmu, uint32_t asid,
				  uint64_t gfn, union kvm_mmu_page_role role)
{
	struct kvm_mmu_page *sp = sp_header_get(mmu);
	if (!sp)
		return NULL;
	if (alloc_sp_frame(mmu, role.level, &sp->maddr)) {
		sp_header_put(mmu, sp);
		return NULL;
	}
	sp->spt = frame_pool_ptr(mmu->pool, sp->maddr);
	sp->asid = asid;
	sp->gfn = gfn;
	sp->role = role;
	unsigned h = sp_hash(asid, gfn, role);
	sp->hash_next = mmu->sp_hash[h];
	mmu->sp_hash[h] = sp;
	/* Newest at the tail: eviction takes from the head. */
	sp->prev = mmu->active.prev;
	sp->next = &mmu->active;
	mmu->active.prev->next = sp;
	mmu->active.prev = sp;
	mmu->sp_of_frame[frame_pool_index(mmu->pool, sp->maddr)] = sp;
	mmu->nr_sps++;
	mmu->stats.sp_created++;
	return sp;
}

struct kvm_mmu_page *spte_to_child(const struct shadow_mmu *mmu, uint64_t spte)
{
	int64_t i = frame_pool_index(mmu->pool, spte_addr(spte));
	return i < 0 ? NULL : mmu->sp_of_frame[i];
}

static void add_parent(struct kvm_mmu_page *child, struct kvm_mmu_page *parent,
		       unsigned idx)
{
	if (child->nr_parents == child->cap_parents) {
		unsigned cap = child->cap_parents ? 2 * child->cap_parents : 2;
		struct parent_ref *p = realloc(child->parents, cap * sizeof(*p));
		if (!p)
			abort(); /* a few bytes; nothing sensible to undo */
		child->parents = p;
		child->cap_parents = cap;
	}
	child->parents[child->nr_parents++] = (struct parent_ref){parent, idx};
}

static void remove_parent(struct kvm_mmu_page *child,
			  struct kvm_mmu_page *parent, unsigned idx)
{
	for (unsigned i = 0; i < child->nr_parents; i++)
		if (child->parents[i].sp == parent && child->parents[i].idx == idx) {
			child->parents[i] = child->parents[--child->nr_parents];
			return;
		}
}

void mmu_link_sp(struct shadow_mmu *mmu, struct kvm_mmu_page *parent,
		 unsigned idx, struct kvm_mmu_page *child)
{
	(void)mmu;
	parent->spt[idx] = make_link_spte(child->maddr);
	sp_set_present(parent, idx);
	add_parent(child, parent, idx);
}

/* The CPU's A bit on a prefetched entry: it was used before going away. */
static void account_prefetch(struct shadow_mmu *mmu, uint64_t spte)
{
	if ((spte & SPTE_PREFETCHED) && (spte & PTE_A))
		mmu->stats.prefetch_used++;
}

void mmu_set_leaf(struct shadow_mmu *mmu, struct kvm_mmu_page *sp,
		  unsigned idx, uint64_t spte, uint64_t gfn)
{
	uint64_t old = sp->spt[idx];
	unsigned level = sp->role.level;

	if (is_shadow_present_pte(old)) {
		if (is_last_spte(old, level) && sp->gfns[idx] == gfn &&
		    spte_addr(old) == spte_addr(spte) &&
		    (old & PTE_PS) == (spte & PTE_PS)) {
			/* Same frame: an upgrade in place (a write after a
			 * read fill), no reverse-map change. A downgrade
			 * never happens here, so no flush either. */
			account_prefetch(mmu, old);
			sp->spt[idx] = spte;
			return;
		}
		if (mmu->fill_only) {
			mmu->fill_declined = true; /* adds entries only */
			return;
		}
		mmu_zap_spte(mmu, sp, idx);
	}
	mmu_set_new_leaf(mmu, sp, idx, spte, gfn);
}

void mmu_zap_spte(struct shadow_mmu *mmu, struct kvm_mmu_page *sp, unsigned idx)
{
	uint64_t spte = sp->spt[idx];
	if (!is_shadow_present_pte(spte))
		return;
	sp->spt[idx] = 0;
	sp_clear_present(sp, idx);
	mmu->stats.zaps++;
	shadow_trace(mmu, TRACE_ZAP, sp->asid, sp->gfn, idx | sp->role.level << 16, 0);
	mmu_flush_asid(mmu, sp->asid);
	if (sp->pinned)
		mmu->pins_zapped = true;
	if (is_last_spte(spte, sp->role.level)) {
		account_prefetch(mmu, spte);
		rmap_remove(mmu, sp->gfns[idx], (spte & PTE_PS) ? sp->role.level : 1,
			    sp, idx);
		return;
	}
	struct kvm_mmu_page *child = spte_to_child(mmu, spte);
	if (!child)
		return;
	remove_parent(child, sp, idx);
	/* Unreachable pages go at once (see the comment at the top). */
	if (child->nr_parents == 0 && !child->root)
		mmu_free_sp(mmu, child);
}

void mmu_free_sp(struct shadow_mmu *mmu, struct kvm_mmu_page *sp)
{
	/* Unlink from the parents first, so the recursion below never comes
	 * back to this page. */
	for (unsigned i = 0; i < sp->nr_parents; i++) {
		struct kvm_mmu_page *p = sp->parents[i].sp;
		p->spt[sp->parents[i].idx] = 0;
		sp_clear_present(p, sp->parents[i].idx);
		mmu->stats.zaps++;
		mmu_flush_asid(mmu, p->asid);
		if (p->pinned)
			mmu->pins_zapped = true;
	}
	sp->nr_parents = 0;
	for (unsigned i = 0; i < 512 && sp->nr_present; i++)
		mmu_zap_spte(mmu, sp, i);

	struct kvm_mmu_page **pp = &mmu->sp_hash[sp_hash(sp->asid, sp->gfn, sp->role)];
	while (*pp != sp)
		pp = &(*pp)->hash_next;
	*pp = sp->hash_next;
	sp->prev->next = sp->next;
	sp->next->prev = sp->prev;
	mmu->sp_of_frame[frame_pool_index(mmu->pool, sp->maddr)] = NULL;
	frame_pool_free(mmu->pool, sp->maddr);
	if (sp->root)
		mmu->nr_roots--;
	mmu->nr_sps--;
	mmu->stats.sp_freed++;
	sp_header_put(mmu, sp);
}

/* Whether a vCPU is leaving an address space whose root is still there. */
static bool leaving_root(const struct shadow_mmu *mmu)
{
	for (unsigned v = 0; v < mmu->nr_vcpus; v++) {
		const struct shadow_as *l = mmu->vcpu[v].leaving;
		if (l && l != mmu->vcpu[v].current && l->root)
			return true;
	}
	return false;
}

/* Drops the least recently used root that no vCPU runs. */
static bool evict_root(struct shadow_mmu *mmu)
{
	struct shadow_as *victim = NULL;
	for (unsigned i = 0; i < mmu->nr_as; i++) {
		struct shadow_as *as = mmu->as[i];
		if (as->asid && as->root && !as_is_active(mmu, as) &&
		    (!victim || as->last_used < victim->last_used))
			victim = as;
	}
	if (!victim)
		return false;
	mmu_free_sp(mmu, victim->root);
	victim->root = NULL;
	mmu->stats.roots_evicted++;
	return true;
}

int make_mmu_pages_available(struct shadow_mmu *mmu, unsigned need)
{
	while (mmu->nr_sps + need > mmu->budget || mmu->pool->nfree < need) {
		/* A fault slot's answer evicts nothing: it is declined. */
		if (mmu->fill_only) {
			mmu->fill_declined = true;
			return -1;
		}
		/* The oldest page that is not a root; freeing it frees the
		 * pages below it that only it reached. */
		struct kvm_mmu_page *sp = mmu->active.next;
		while (sp != &mmu->active && (sp->root || sp->pinned))
			sp = sp->next;
		if (sp != &mmu->active) {
			shadow_trace(mmu, TRACE_EVICT, sp->asid, sp->gfn, sp->role.level, 0);
			mmu_free_sp(mmu, sp);
			mmu->stats.sp_evicted++;
			continue;
		}
		if (!evict_root(mmu)) {
			/* Only roots a CPU is on are left. One a vCPU is leaving
			 * (until it loads the CR3 its AS_ACTIVATE returned) keeps
			 * the budget exceeded until it can be evicted, after the
			 * vCPU's next call: better than failing the switch. */
			if (mmu->pool->nfree >= need && leaving_root(mmu))
				return 0;
			return -1;
		}
	}
	return 0;
}
