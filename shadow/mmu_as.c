/* SPDX-License-Identifier: MIT */
/*
 * The shadow MMU's address spaces and roots, invalidation and the p2m
 * notifier. An address space is the shadow of one guest page-table root;
 * its shadow root is kept in a cache of K roots (LRU; a root some vCPU
 * runs is never evicted), as KVM keeps the current root and prev_roots.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_internal.h"
#include "umbra/hypercall.h"

bool shadow_debug_skip_invalidate;

static void p2m_notifier(void *opaque, uint64_t gfn, uint64_t npages)
{
	shadow_zap_gfn_range(opaque, gfn, npages);
}

/* After the change: pinned pages that mapped the old frame get the new
 * one at once, before any vCPU can need them. */
static void p2m_notifier_end(void *opaque, uint64_t gfn, uint64_t npages)
{
	(void)gfn;
	(void)npages;
	mmu_after_zap(opaque);
}

/* The shadow MMU as a subscriber of host memory (host_mem.h). */
static void hm_start(struct hm_notifier *n, const struct hm_range *r)
{
	shadow_zap_gfn_range(n->opaque, r->gfn, r->npages);
}

static void hm_end(struct hm_notifier *n, const struct hm_range *r)
{
	(void)r;
	mmu_after_zap(n->opaque);
}

static void hm_change_pte(struct hm_notifier *n, uint64_t gfn, uint64_t maddr,
			  unsigned perms)
{
	struct shadow_mmu *mmu = n->opaque;
	mmu->mmu_invalidate_seq++;
	mmu_fault_slots_changed(mmu);
	mmu->stats.p2m_repoints += rmap_change_pte(mmu, gfn, maddr, perms & EPTE_W);
	mmu_after_zap(mmu);
}

static bool hm_clear_young(struct hm_notifier *n, uint64_t gfn, uint64_t npages)
{
	bool young = false;
	for (uint64_t g = gfn; g < gfn + npages; g++)
		young |= rmap_age(n->opaque, g, true);
	return young;
}

static bool hm_test_young(struct hm_notifier *n, uint64_t gfn, uint64_t npages)
{
	bool young = false;
	for (uint64_t g = gfn; g < gfn + npages && !young; g++)
		young = rmap_age(n->opaque, g, false);
	return young;
}

static const struct hm_notifier_ops shadow_hm_ops = {
	.invalidate_range_start = hm_start,
	.invalidate_range_end = hm_end,
	.change_pte = hm_change_pte,
	.clear_young = hm_clear_young,
	.test_young = hm_test_young,
};

struct shadow_mmu *shadow_mmu_create(const struct shadow_config *cfg,
				     struct p2m *p2m)
{
	struct shadow_mmu *mmu = calloc(1, sizeof(*mmu));
	if (!mmu)
		return NULL;
	mmu->cfg = *cfg;
	if (mmu->cfg.prefetch == ~0u)
		mmu->cfg.prefetch = SHADOW_DEFAULT_PREFETCH;
	if (mmu->cfg.prefetch > 512)
		mmu->cfg.prefetch = 512;
	if (!mmu->cfg.max_roots)
		mmu->cfg.max_roots = SHADOW_DEFAULT_ROOTS;
	if (!mmu->cfg.stream_wait_ns)
		mmu->cfg.stream_wait_ns = SHADOW_STREAM_WAIT_NS;
	mmu->nr_vcpus = cfg->nr_vcpus ? cfg->nr_vcpus : 1;
	if (mmu->nr_vcpus > SHADOW_MAX_VCPUS) {
		free(mmu);
		return NULL;
	}
	mmu->levels = cfg->la57 ? 5 : 4;
	mmu->p2m = p2m;
	mmu->pool = p2m->pool;
	/* KVM's default: 2% of guest memory (20 pages per 1000). */
	mmu->budget = cfg->budget_pages ? cfg->budget_pages :
		(unsigned)(p2m->nr_gfns * 20 / 1000);
	/* The floor that lets any single fault complete: the vCPUs' active
	 * roots and one page per lower level. */
	if (mmu->budget < mmu->levels - 1 + mmu->nr_vcpus)
		mmu->budget = mmu->levels - 1 + mmu->nr_vcpus;
	mmu->active.next = mmu->active.prev = &mmu->active;
	mmu->sp_of_frame = calloc(mmu->pool->nframes, sizeof(*mmu->sp_of_frame));
	if (!mmu->sp_of_frame || rmap_init(mmu)) {
		rmap_destroy(mmu);
		free(mmu->sp_of_frame);
		free(mmu);
		return NULL;
	}
	if (p2m->hm) {
		mmu->hm_sub = (struct hm_notifier){.ops = &shadow_hm_ops, .opaque = mmu};
		host_mem_register(p2m->hm, &mmu->hm_sub);
		return mmu;
	}
	p2m->invalidate = p2m_notifier;
	p2m->invalidate_end = p2m_notifier_end;
	p2m->invalidate_opaque = mmu;
	return mmu;
}

void shadow_mmu_destroy(struct shadow_mmu *mmu)
{
	if (!mmu)
		return;
	while (mmu->active.next != &mmu->active)
		mmu_free_sp(mmu, mmu->active.next);
	mmu_free_sp_headers(mmu);
	rmap_destroy(mmu);
	shadow_trace_stop(mmu);
	if (mmu->hm_sub.ops && mmu->p2m->hm)
		host_mem_unregister(mmu->p2m->hm, &mmu->hm_sub);
	if (mmu->p2m->invalidate_opaque == mmu) {
		mmu->p2m->invalidate = NULL;
		mmu->p2m->invalidate_end = NULL;
	}
	for (unsigned i = 0; i < mmu->nr_as; i++)
		free(mmu->as[i]);
	free(mmu->as);
	free(mmu->sp_of_frame);
	free(mmu->audit_regions);
	free(mmu);
}

struct shadow_as *shadow_find_as(struct shadow_mmu *mmu, uint32_t asid)
{
	uint32_t slot = (asid & 0xffff) - 1;
	if (slot >= mmu->nr_as || mmu->as[slot]->asid != asid || asid == 0)
		return NULL;
	return mmu->as[slot];
}

uint32_t shadow_current_asid(const struct shadow_mmu *mmu, unsigned vcpu)
{
	if (vcpu >= mmu->nr_vcpus || !mmu->vcpu[vcpu].current)
		return 0;
	return mmu->vcpu[vcpu].current->asid;
}

bool as_is_active(const struct shadow_mmu *mmu, const struct shadow_as *as)
{
	for (unsigned v = 0; v < mmu->nr_vcpus; v++)
		if (mmu->vcpu[v].current == as || mmu->vcpu[v].leaving == as)
			return true;
	return false;
}

void mmu_flush_asid(struct shadow_mmu *mmu, uint32_t asid)
{
	for (unsigned v = 0; v < mmu->nr_vcpus; v++)
		if (mmu->vcpu[v].current && mmu->vcpu[v].current->asid == asid)
			mmu->vcpu[v].tlb_flush = true;
}

int64_t shadow_as_create(struct shadow_mmu *mmu, uint64_t guest_root_gpa)
{
	if ((guest_root_gpa & 0xfff) || (guest_root_gpa >> 12) >= mmu->p2m->nr_gfns)
		return -UMBRA_EINVAL;
	unsigned slot = 0;
	while (slot < mmu->nr_as && mmu->as[slot]->asid)
		slot++;
	if (slot == mmu->nr_as) {
		if (mmu->nr_as >= 0xffff)
			return -UMBRA_ENOMEM;
		unsigned n = mmu->nr_as ? 2 * mmu->nr_as : 8;
		if (n > 0xffff)
			n = 0xffff;
		struct shadow_as **a = realloc(mmu->as, n * sizeof(*a));
		if (!a)
			return -UMBRA_ENOMEM;
		mmu->as = a;
		for (; mmu->nr_as < n; mmu->nr_as++)
			if (!(a[mmu->nr_as] = calloc(1, sizeof(**a))))
				return -UMBRA_ENOMEM;
	}
	struct shadow_as *as = mmu->as[slot];
	uint16_t gen = (uint16_t)((as->gen + 1) & 0x7fff);
	memset(as, 0, sizeof(*as));
	/* The generation in the high half keeps a released asid from naming
	 * the next address space in its slot. */
	as->gen = gen;
	as->asid = ((uint32_t)gen << 16) | (slot + 1);
	as->guest_root = guest_root_gpa;
	as->pins_stale = true;
	return as->asid;
}

static void zap_range(struct shadow_mmu *mmu, struct kvm_mmu_page *sp,
		      uint64_t base, uint64_t start, uint64_t last, bool wrprot);

/* The last user (lower-half) address. */
static uint64_t user_half_last(const struct shadow_mmu *mmu)
{
	return (1ull << (mmu->levels == 5 ? 56 : 47)) - 1;
}

static void drop_root(struct shadow_mmu *mmu, struct shadow_as *as)
{
	if (as->root)
		mmu_free_sp(mmu, as->root);
	as->root = NULL;
}

static void free_as(struct shadow_mmu *mmu, struct shadow_as *as)
{
	drop_root(mmu, as);
	uint16_t gen = as->gen;
	memset(as, 0, sizeof(*as));
	as->gen = gen;
}

void mmu_vcpu_settled(struct shadow_mmu *mmu, unsigned vcpu)
{
	if (vcpu >= mmu->nr_vcpus)
		return;
	struct shadow_as *left = mmu->vcpu[vcpu].leaving;
	mmu->vcpu[vcpu].leaving = NULL;
	/* A released address space goes once every vCPU left it. */
	if (left && left->dying && !as_is_active(mmu, left))
		free_as(mmu, left);
}

void mmu_vcpu_flushed(struct shadow_mmu *mmu, unsigned vcpu)
{
	if (vcpu < mmu->nr_vcpus)
		mmu->vcpu[vcpu].flush_unacked = false;
	for (unsigned v = 0; v < mmu->nr_vcpus; v++)
		if (mmu->vcpu[v].tlb_flush || mmu->vcpu[v].flush_unacked)
			return;
	frame_pool_warm(mmu->pool);
}

int64_t shadow_as_activate(struct shadow_mmu *mmu, unsigned vcpu, uint32_t asid)
{
	struct shadow_as *as = shadow_find_as(mmu, asid);
	if (!as || as->dying || vcpu >= mmu->nr_vcpus)
		return -UMBRA_EINVAL;
	struct shadow_vcpu *v = &mmu->vcpu[vcpu];
	struct shadow_as *prev = v->current;
	if (prev != as) {
		mmu->stats.root_switches++;
		v->current = as;
		/* The CR3 load flushes this vCPU's TLB. */
		v->tlb_flush = false;
		v->flush_unacked = true;
		/* The CPU still runs on prev's root until the guest loads
		 * the CR3 returned here: a released prev goes at the vCPU's
		 * next call (freeing it now zeroed the root under the
		 * instructions up to that load: a triple fault). */
		v->leaving = prev;
	}
	as->last_used = ++mmu->clock;
	if (!as->root) {
		while (mmu->nr_roots >= mmu->cfg.max_roots) {
			struct shadow_as *victim = NULL;
			for (unsigned i = 0; i < mmu->nr_as; i++) {
				struct shadow_as *o = mmu->as[i];
				if (o->asid && o->root && o != as && !as_is_active(mmu, o) &&
				    (!victim || o->last_used < victim->last_used))
					victim = o;
			}
			if (!victim)
				break;
			drop_root(mmu, victim);
			mmu->stats.roots_evicted++;
		}
		if (make_mmu_pages_available(mmu, 1))
			return -UMBRA_ENOMEM;
		union kvm_mmu_page_role role = make_role(mmu->levels, ACC_ALL, false, false, 0);
		as->root = mmu_alloc_sp(mmu, as->asid, as->guest_root >> 12, role);
		if (!as->root)
			return -UMBRA_ENOMEM;
		as->root->root = true;
		mmu->nr_roots++;
		mmu->stats.roots_created++;
		as->pins_stale = true;
	}
	/* What the CPU needs to deliver a fault is there before it runs. */
	if (mmu_fill_pins(mmu, as))
		return -UMBRA_ENOMEM;
	if (prev != as)
		shadow_trace(mmu, TRACE_ROOT_SWITCH, as->asid, as->asid, as->root->maddr,
			     prev ? prev->asid : 0);
	return (int64_t)as->root->maddr;
}

int shadow_as_release(struct shadow_mmu *mmu, uint32_t asid)
{
	struct shadow_as *as = shadow_find_as(mmu, asid);
	if (!as || as->dying)
		return -UMBRA_EINVAL;
	shadow_trace(mmu, TRACE_AS_RELEASE, asid, asid, as_is_active(mmu, as), 0);
	if (as_is_active(mmu, as)) {
		/* Its root is still in a vCPU's CR3 and the kernel runs on
		 * it until it switches: drop the user half now (Linux's
		 * mmu_notifier_release), keep the kernel half until the next
		 * activate. */
		if (as->root)
			zap_range(mmu, as->root, 0, 0, user_half_last(mmu), false);
		as->dying = true;
		mmu_after_zap(mmu);
		return 0;
	}
	free_as(mmu, as);
	return 0;
}

/* The first entry of sp whose span ends at or after start (512: none).
 * An entry covers higher addresses than the one before it (the root's
 * upper half, sign-extended, lies above its lower half), so a zap starts
 * there and stops at the first entry past the range: a one-page zap reads
 * a few entries per level, not all 512. */
static unsigned first_entry(const struct shadow_mmu *mmu, const struct kvm_mmu_page *sp,
			    uint64_t base, uint64_t start)
{
	unsigned shift = (unsigned)level_shift(sp->role.level);
	if (sp->root) {
		uint64_t half = 1ull << (va_bits(mmu->levels) - 1);
		if (start < half)
			return (unsigned)(start >> shift);
		if (start < -half) /* in the non-canonical hole */
			return 256;
		return (unsigned)((start >> shift) & 511);
	}
	if (start <= base)
		return 0;
	uint64_t i = (start - base) >> shift;
	return i < 512 ? (unsigned)i : 512;
}

/*
 * Zaps (or write-protects) the entries of sp that translate part of
 * [start, last]. base is the address sp's entry 0 covers. A link whose
 * whole span is in the range is zapped as a unit; a lower page left with
 * no present entry is unlinked, so a guest page table freed after the
 * invalidation can never be reached again through a stale link.
 */
static void zap_range(struct shadow_mmu *mmu, struct kvm_mmu_page *sp,
		      uint64_t base, uint64_t start, uint64_t last, bool wrprot)
{
	unsigned level = sp->role.level;
	uint64_t span = 1ull << level_shift(level);

	for (unsigned i = first_entry(mmu, sp, base, start); i < 512 && sp->nr_present; i++) {
		uint64_t s = sp->root ? root_entry_va(mmu->levels, i) : base + i * span;
		uint64_t e = s + (span - 1);
		if (s > last)
			break;
		if (e < start)
			continue;
		uint64_t spte = sp->spt[i];
		if (!is_shadow_present_pte(spte))
			continue;
		if (is_last_spte(spte, level)) {
			if (wrprot) {
				if (spte & PTE_RW) {
					sp->spt[i] = spte & ~(PTE_RW | PTE_D);
					mmu->stats.wrprotects++;
					if (sp->pinned)
						mmu->pins_zapped = true;
					mmu_flush_asid(mmu, sp->asid);
				}
			} else {
				mmu_zap_spte(mmu, sp, i);
			}
			continue;
		}
		if (!wrprot && s >= start && e <= last) {
			mmu_zap_spte(mmu, sp, i);
			continue;
		}
		struct kvm_mmu_page *child = spte_to_child(mmu, spte);
		child->rights_unsure |= wrprot;
		zap_range(mmu, child, s, start, last, wrprot);
		if (!wrprot && child->nr_present == 0)
			mmu_zap_spte(mmu, sp, i);
	}
}

static void invalidate_as(struct shadow_mmu *mmu, struct shadow_as *as,
			  uint64_t start, uint64_t last, unsigned event)
{
	if (as->root)
		zap_range(mmu, as->root, 0, start, last,
			  event == UMBRA_SHADOW_EV_WRPROTECT);
}

int shadow_invalidate_range(struct shadow_mmu *mmu, uint32_t asid,
			    uint64_t start, uint64_t end, unsigned event)
{
	if (event == 0 || event > UMBRA_SHADOW_EV_MAX)
		return -UMBRA_EINVAL;
	if (event == UMBRA_SHADOW_EV_RELEASE)
		return shadow_as_release(mmu, asid);
	struct shadow_as *as = NULL;
	if (asid != UMBRA_SHADOW_ASID_ALL && !(as = shadow_find_as(mmu, asid)))
		return -UMBRA_EINVAL;
	/* Whole pages, end exclusive (0: the top); empty ranges do nothing. */
	uint64_t last = end ? end - 1 : ~0ull;
	start &= ~0xfffull;
	last |= 0xfff;
	if (end && end <= start)
		return 0;
	mmu->stats.invalidations++;
	mmu->mmu_invalidate_seq++;
	if (shadow_debug_skip_invalidate)
		return 0;
	shadow_trace(mmu, TRACE_INVALIDATE_START, asid, start, last + 1, event);
	if (as) {
		invalidate_as(mmu, as, start, last, event);
	} else {
		for (unsigned i = 0; i < mmu->nr_as; i++)
			if (mmu->as[i]->asid)
				invalidate_as(mmu, mmu->as[i], start, last, event);
	}
	/* A pinned page the guest changed (or newly mapped: it announces
	 * that too) is filled again at once. */
	for (unsigned i = 0; i < mmu->nr_pins; i++)
		if (mmu->pins[i].start <= last && start <= mmu->pins[i].last)
			mmu->pins_zapped = true;
	mmu_after_zap(mmu);
	shadow_trace(mmu, TRACE_INVALIDATE_END, asid, start, last + 1, event);
	return 0;
}

void shadow_zap_gfn_range(struct shadow_mmu *mmu, uint64_t gfn, uint64_t n)
{
	mmu->mmu_invalidate_seq++;
	mmu_fault_slots_changed(mmu);
	shadow_trace(mmu, TRACE_CHANGE_PTE, 0, gfn, n, 0);
	for (uint64_t g = gfn; g < gfn + n; g++) {
		mmu->stats.p2m_zaps += rmap_zap(mmu, g, 1);
		/* A 2M entry covering g is listed under its first frame. */
		mmu->stats.p2m_zaps += rmap_zap(mmu, g & ~(FRAMES_PER_2M - 1), 2);
	}
}

bool shadow_take_tlb_flush(struct shadow_mmu *mmu, unsigned vcpu)
{
	if (vcpu >= mmu->nr_vcpus)
		return false;
	bool f = mmu->vcpu[vcpu].tlb_flush;
	mmu->vcpu[vcpu].tlb_flush = false;
	if (f) {
		mmu->stats.tlb_flushes++;
		mmu->vcpu[vcpu].flush_unacked = true;
	}
	return f;
}

uint64_t shadow_pending_flushes(const struct shadow_mmu *mmu, unsigned self)
{
	uint64_t mask = 0;
	for (unsigned v = 0; v < mmu->nr_vcpus; v++)
		if (v != self && mmu->vcpu[v].tlb_flush)
			mask |= 1ull << v;
	return mask;
}

int64_t shadow_set_stack_hint(struct shadow_mmu *mmu, unsigned vcpu, uint64_t gpa,
			      uint64_t size)
{
	if (vcpu >= mmu->nr_vcpus)
		return -UMBRA_EINVAL;
	if (gpa && ((gpa & 7) || (gpa >> 12) >= mmu->p2m->nr_gfns || size < 4096 ||
		    size > UMBRA_SHADOW_STACK_HINT_MAX))
		return -UMBRA_EINVAL;
	mmu->vcpu[vcpu].stack_hint_gpa = gpa;
	mmu->vcpu[vcpu].stack_size = gpa ? size : 0;
	return 0;
}

int64_t shadow_set_kick_flag(struct shadow_mmu *mmu, unsigned vcpu, uint64_t gpa)
{
	if (vcpu >= mmu->nr_vcpus || (gpa & 7) || (gpa >> 12) >= mmu->p2m->nr_gfns)
		return -UMBRA_EINVAL;
	mmu->vcpu[vcpu].kick_flag_gpa = gpa;
	return 0;
}

unsigned shadow_raise_kick_flags(struct shadow_mmu *mmu, uint64_t mask)
{
	unsigned set = 0;
	for (unsigned v = 0; v < mmu->nr_vcpus && v < 64; v++) {
		uint64_t gpa = mmu->vcpu[v].kick_flag_gpa;
		uint64_t *flag = (mask >> v & 1) && gpa ? p2m_present_writable_ptr(mmu->p2m, gpa)
							: NULL;
		if (!flag)
			continue;
		/* The guest reads it concurrently: one aligned store. */
		__atomic_store_n(flag, 1, __ATOMIC_RELEASE);
		set++;
	}
	return set;
}

/* The top of the kernel stack vc runs on, where it gave a hint that reads
 * as a page-aligned top at least a stack deep; else 0. The guest's value:
 * a guest walk decides what it maps. */
static uint64_t hinted_stack_top(const struct shadow_mmu *mmu, const struct shadow_vcpu *vc)
{
	uint64_t top;
	if (!vc->stack_hint_gpa ||
	    shadow_read_guest(mmu, vc->stack_hint_gpa, &top, sizeof(top)) ||
	    top < vc->stack_size || (top & 0xfff))
		return 0;
	return top;
}

void shadow_refill_stacks(struct shadow_mmu *mmu, uint64_t mask)
{
	for (unsigned v = 0; v < mmu->nr_vcpus; v++) {
		struct shadow_vcpu *vc = &mmu->vcpu[v];
		uint64_t top = (mask & (1ull << v)) && vc->current ? hinted_stack_top(mmu, vc) : 0;
		if (!top)
			continue;
		vc->stack_refills++;
		for (uint64_t a = top - vc->stack_size; a < top; a += 4096)
			shadow_prefault(mmu, v, a);
	}
}

unsigned shadow_running_stack_regions(struct shadow_mmu *mmu, unsigned self,
				      uint64_t *region, unsigned max)
{
	unsigned n = 0;
	for (unsigned v = 0; v < mmu->nr_vcpus; v++) {
		struct shadow_vcpu *vc = &mmu->vcpu[v];
		uint64_t top = v != self && vc->current ? hinted_stack_top(mmu, vc) : 0;
		if (!top)
			continue;
		struct walk_ctx ctx;
		guest_walk_ctx(mmu, vc->current, &ctx, 0, false, false);
		for (uint64_t a = top - vc->stack_size; a < top; a += 4096) {
			struct walk_result r;
			if (walk_guest(&ctx, a, 0, &r) != WALK_OK)
				continue;
			unsigned i = 0;
			while (i < n && region[i] != r.gpa >> 21)
				i++;
			if (i == n && n < max)
				region[n++] = r.gpa >> 21;
		}
	}
	return n;
}

static int describe_as(const struct shadow_mmu *mmu, const struct shadow_as *as,
		       uint64_t stack_top, uint64_t stack_size, char *buf, size_t len)
{
	if (!as)
		return snprintf(buf, len, "none");
	if (!as->root)
		return snprintf(buf, len, "asid 0x%x%s without a root", as->asid,
				as->dying ? " (released)" : "");
	unsigned pins = 0, pins_missing = 0, stack_missing = 0;
	for (unsigned i = 0; i < mmu->nr_pins; i++)
		for (uint64_t va = mmu->pins[i].start;
		     va <= mmu->pins[i].last && va >= mmu->pins[i].start; va += 4096) {
			pins++;
			pins_missing += !mmu_leaf_spte(mmu, as, va);
		}
	for (uint64_t a = stack_top - stack_size; stack_size && a < stack_top; a += 4096)
		stack_missing += !mmu_leaf_spte(mmu, as, a);
	return snprintf(buf, len, "asid 0x%x%s root 0x%llx: %u of %u pinned pages and %u of "
			"%llu stack pages missing", as->asid, as->dying ? " (released)" : "",
			(unsigned long long)as->root->maddr, pins_missing, pins, stack_missing,
			(unsigned long long)(stack_size / 4096));
}

void shadow_describe_vcpu(const struct shadow_mmu *mmu, unsigned vcpu, char *buf, size_t len)
{
	if (vcpu >= mmu->nr_vcpus) {
		snprintf(buf, len, "no such vCPU");
		return;
	}
	const struct shadow_vcpu *vc = &mmu->vcpu[vcpu];
	uint64_t top = hinted_stack_top(mmu, vc), size = top ? vc->stack_size : 0;
	int n = snprintf(buf, len, "runs ");
	if (n >= 0 && (size_t)n < len)
		n += describe_as(mmu, vc->current, top, size, buf + n, len - (size_t)n);
	if (vc->leaving && vc->leaving != vc->current && n >= 0 && (size_t)n < len) {
		n += snprintf(buf + n, len - (size_t)n, "; leaving ");
		if (n >= 0 && (size_t)n < len)
			describe_as(mmu, vc->leaving, top, size, buf + n, len - (size_t)n);
	}
}

unsigned shadow_nr_pages(const struct shadow_mmu *mmu)
{
	return mmu->nr_sps;
}

unsigned shadow_budget(const struct shadow_mmu *mmu)
{
	return mmu->budget;
}

struct frame_pool *shadow_pool(const struct shadow_mmu *mmu)
{
	return mmu->pool;
}

void shadow_get_stats(struct shadow_mmu *mmu, struct shadow_stats *out)
{
	*out = mmu->stats;
	/* Entries still present count as used if the CPU set their A. */
	for (struct kvm_mmu_page *sp = mmu->active.next; sp != &mmu->active;
	     sp = sp->next)
		for (unsigned i = 0; i < 512; i++) {
			uint64_t s = sp->spt[i];
			if (is_shadow_present_pte(s) && (s & SPTE_PREFETCHED) &&
			    (s & PTE_A))
				out->prefetch_used++;
		}
}

void shadow_print_stats(struct shadow_mmu *mmu, FILE *f)
{
	struct shadow_stats s;
	shadow_get_stats(mmu, &s);
	fprintf(f, "shadow: faults %llu handled, %llu reflected; fills %llu (2M %llu); "
		"prefetched %llu, used %llu, upgraded %llu; zaps %llu, wrprotects %llu, "
		"p2m zaps %llu, repoints %llu\n",
		(unsigned long long)s.faults_handled, (unsigned long long)s.faults_reflected,
		(unsigned long long)s.fills, (unsigned long long)s.fills_2m,
		(unsigned long long)s.prefetched, (unsigned long long)s.prefetch_used,
		(unsigned long long)s.prefetch_upgraded,
		(unsigned long long)s.zaps, (unsigned long long)s.wrprotects,
		(unsigned long long)s.p2m_zaps, (unsigned long long)s.p2m_repoints);
	fprintf(f, "shadow: pages %u/%u, created %llu, evicted %llu; roots created %llu, "
		"evicted %llu, switches %llu; invalidations %llu, queued ops %llu, tlb flushes %llu\n",
		mmu->nr_sps, mmu->budget, (unsigned long long)s.sp_created,
		(unsigned long long)s.sp_evicted, (unsigned long long)s.roots_created,
		(unsigned long long)s.roots_evicted, (unsigned long long)s.root_switches,
		(unsigned long long)s.invalidations, (unsigned long long)s.ring_ops,
		(unsigned long long)s.tlb_flushes);
	if (mmu->cfg.audit)
		fprintf(f, "shadow: audit findings %llu; audits %llu, %llu ms, %llu us each, "
			"%llu leaves each\n",
			(unsigned long long)s.audit_findings, (unsigned long long)s.audits,
			(unsigned long long)(s.audit_ns / 1000000),
			(unsigned long long)(s.audits ? s.audit_ns / 1000 / s.audits : 0),
			(unsigned long long)(s.audits ? s.audit_leaves / s.audits : 0));
	if (s.slot_faults || s.slot_declined || s.slot_cancelled)
		fprintf(f, "shadow: fault slots: %llu faults and %llu syncs answered without an "
			"exit, %llu declined, %llu ended by the guest's hypercall, %llu zaps "
			"while answering a fault\n",
			(unsigned long long)s.slot_faults, (unsigned long long)s.slot_syncs,
			(unsigned long long)s.slot_declined, (unsigned long long)s.slot_cancelled,
			(unsigned long long)s.slot_zaps);
	if (s.slot_streams)
		fprintf(f, "shadow: streamed faults: %llu, %llu entries waited for, %llu waits "
			"ran out\n", (unsigned long long)s.slot_streams,
			(unsigned long long)s.slot_stream_waits,
			(unsigned long long)s.slot_stream_timeouts);
	fprintf(f, "shadow: hypercalls");
	for (unsigned k = 0; k < SHADOW_HC_KINDS; k++)
		if (s.hypercalls[k])
			fprintf(f, " %u:%llu", k, (unsigned long long)s.hypercalls[k]);
	fprintf(f, "\n");
	if (mmu->nr_vcpus > 1)
		for (unsigned v = 0; v < mmu->nr_vcpus; v++)
			fprintf(f, "shadow: vcpu%u: %llu hypercalls, %llu faults, %llu stack "
				"refills by other vCPUs\n", v,
				(unsigned long long)mmu->vcpu[v].hypercalls,
				(unsigned long long)mmu->vcpu[v].faults,
				(unsigned long long)mmu->vcpu[v].stack_refills);
}

int shadow_read_guest(const struct shadow_mmu *mmu, uint64_t gpa, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		uint64_t maddr;
		size_t n = 4096 - (gpa & 0xfff);
		if (n > len)
			n = len;
		int r = p2m_lookup(mmu->p2m, gpa >> 12, &maddr, NULL);
		if (r == -ENOENT && mmu->p2m->hm) {
			if (host_mem_read(mmu->p2m->hm, gpa, out, n))
				return -1;
		} else if (r == -ENOENT)
			memset(out, 0, n);
		else if (r)
			return -1;
		else
			memcpy(out, frame_pool_ptr(mmu->pool, maddr | (gpa & 0xfff)), n);
		out += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int shadow_write_guest(struct shadow_mmu *mmu, uint64_t gpa, const void *buf, size_t len)
{
	if (len > 4096 - (gpa & 0xfff) || (gpa >> 12) >= mmu->p2m->nr_gfns)
		return -EINVAL;
	void *dst = p2m_present_writable_ptr(mmu->p2m, gpa);
	if (!dst)
		return -EFAULT;
	memcpy(dst, buf, len);
	return 0;
}
