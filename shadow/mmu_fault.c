/* SPDX-License-Identifier: MIT */
/*
 * The first-chance page fault (KVM's paging_tmpl.h FNAME(page_fault) and
 * FNAME(fetch), with FNAME(pte_prefetch)): walk the guest tables with the
 * faulting access (setting A, and D for a write, as the CPU would), compose
 * with the p2m, and link the shadow levels down to the leaf. A fault the
 * guest's own tables do not allow is reflected to the guest.
 */
#include <errno.h>

#include "mmu_internal.h"
#include "tsc_clock.h"
#include "umbra/hypercall.h"

static int read_gpte(void *opaque, uint64_t gpa, uint64_t *val)
{
	const struct shadow_mmu *mmu = opaque;
	return p2m_read64(mmu->p2m, gpa, val);
}

static int write_gpte(void *opaque, uint64_t gpa, uint64_t old, uint64_t new)
{
	struct shadow_mmu *mmu = opaque;
	/* A fault-slot answer must not break a shared table frame's host
	 * copy-on-write (a p2m change): "changed" ends the walk, declined. */
	if (mmu->fill_only && !p2m_present_writable_ptr(mmu->p2m, gpa)) {
		mmu->fill_declined = true;
		return 1;
	}
	return p2m_cmpxchg64(mmu->p2m, gpa, old, new);
}

void guest_walk_ctx(const struct shadow_mmu *mmu, const struct shadow_as *as,
		    struct walk_ctx *ctx, unsigned cpl, bool ac, bool ad_update)
{
	*ctx = (struct walk_ctx){
		.cr3 = as->guest_root,
		.cr0_wp = true,
		.cr4_smep = mmu->cfg.cr4_smep,
		.cr4_smap = mmu->cfg.cr4_smap,
		/* Protection keys are checked by the CPU on the shadow entries,
		 * which carry the guest's keys; the VMM does not know PKRU. */
		.cr4_pke = false,
		.cr4_la57 = mmu->cfg.la57,
		.efer_nxe = mmu->cfg.efer_nxe,
		.eflags_ac = ac,
		.maxphyaddr = mmu->cfg.maxphyaddr,
		.cpl = cpl,
		.read_pte = read_gpte,
		.write_pte = ad_update ? write_gpte : NULL,
		/* Only write_gpte writes through it (a fault's walk). */
		.opaque = (void *)mmu,
	};
}

static uint64_t guest_addr_mask(const struct shadow_mmu *mmu)
{
	unsigned m = mmu->cfg.maxphyaddr ? mmu->cfg.maxphyaddr : 52;
	if (m > 52)
		m = 52;
	return pte_bits(12, (int)m - 1);
}

/* The guest leaf's protection key, when CR4.PKE (pke) makes it count. */
static unsigned leaf_pkey(bool pke, uint64_t gpte)
{
	return pke ? (unsigned)((gpte & PTE_PKEY_MASK) >> PTE_PKEY_SHIFT) : 0;
}

/* The shadow page below entry idx of parent for (gfn, role): the one
 * already linked, or one from the cache, or a new one; a different link
 * or a leaf there is zapped first (the guest entry changed). */
static struct kvm_mmu_page *get_child(struct shadow_mmu *mmu,
				      struct kvm_mmu_page *parent, unsigned idx,
				      uint64_t gfn, union kvm_mmu_page_role role)
{
	uint64_t spte = parent->spt[idx];
	if (is_shadow_present_pte(spte)) {
		if (!is_last_spte(spte, parent->role.level)) {
			struct kvm_mmu_page *c = spte_to_child(mmu, spte);
			if (c && c->gfn == gfn && c->role.word == role.word) {
				/* A full walk agrees, for this link: for the only
				 * one (a table linked twice keeps the mark). */
				if (c->nr_parents == 1)
					c->rights_unsure = false;
				return c;
			}
		}
		if (mmu->fill_only) {
			mmu->fill_declined = true; /* adds entries only */
			return NULL;
		}
		mmu_zap_spte(mmu, parent, idx);
	}
	struct kvm_mmu_page *child = mmu_find_sp(mmu, parent->asid, gfn, role);
	if (!child)
		child = mmu_alloc_sp(mmu, parent->asid, gfn, role);
	if (child)
		mmu_link_sp(mmu, parent, idx, child);
	return child;
}

/* A guest 2M region can be one shadow 2M entry when its machine frames are
 * all present, contiguous, 2M aligned, and equally writable. */
static bool can_map_2m(struct shadow_mmu *mmu, uint64_t first_gfn,
		       uint64_t *maddr, bool *writable)
{
	unsigned all, any;
	if (p2m_lookup_2m(mmu->p2m, first_gfn, maddr, &all, &any) ||
	    (all & EPTE_W) != (any & EPTE_W))
		return false;
	*writable = all & EPTE_W;
	return true;
}

void mmu_stream_begin(struct shadow_mmu *mmu, const struct umbra_shadow_fault_slot *s,
		      uint32_t seq)
{
	mmu->stream = s;
	mmu->stream_seq = seq;
	mmu->stream_spins = 0;
	mmu->stream_start_ns = tsc_clock_ns();
	mmu->stats.slot_streams++;
}

bool mmu_stream_wait(struct shadow_mmu *mmu)
{
	const struct umbra_shadow_fault_slot *s = mmu->stream;
	if (!s)
		return false;
	if (__atomic_load_n(&s->stream_end, __ATOMIC_ACQUIRE) == mmu->stream_seq) {
		mmu->stream = NULL; /* read the entry once more */
		return true;
	}
	/* No PAUSE: under QEMU's emulation it takes QEMU's big lock
	 * (docs/bench-notebook.md, "Overlapped answers"). */
	if (++mmu->stream_spins % 64 == 0 &&
	    tsc_clock_ns() - mmu->stream_start_ns > mmu->cfg.stream_wait_ns) {
		mmu->stats.slot_stream_timeouts++;
		mmu->stream = NULL;
	}
	return true;
}

/* Fills up to cfg.prefetch present, accessed neighbours of entry idx of a
 * 4K leaf page whose frames are already in the p2m: a fault rarely comes
 * alone (KVM's pte_prefetch, over an aligned window). A neighbour already
 * shadowed read-only that the composition now lets write (a WRPROTECT
 * undone by the guest, e.g. mprotect back to read-write) is upgraded in
 * place, as its own write fault would. */
static void prefetch(struct shadow_mmu *mmu, const struct shadow_as *as,
		     struct kvm_mmu_page *sp, unsigned idx)
{
	unsigned n = mmu->cfg.prefetch;
	if (n == 0 || sp->role.level != 1)
		return;
	unsigned first = idx - idx % n;
	uint64_t rsvd;
	{
		struct walk_ctx c;
		guest_walk_ctx(mmu, as, &c, 0, false, false);
		rsvd = walk_rsvd_mask(&c, 1, false);
	}
	/* The guest table, found once (else read entry by entry: its
	 * frame is swapped out). */
	const uint64_t *gpt = NULL;
	uint64_t tmaddr;
	if (!sp->role.direct && p2m_lookup(mmu->p2m, sp->gfn, &tmaddr, NULL) == 0)
		gpt = frame_pool_ptr(mmu->pool, tmaddr);
	/* Read once: the calls and stores below would make the compiler read
	 * them again at every entry. */
	const bool nxe = mmu->cfg.efer_nxe, pke = mmu->cfg.cr4_pke;
	const uint64_t amask = guest_addr_mask(mmu);
	const struct p2m *p2m = mmu->p2m;
	uint64_t prefetched = 0;
	unsigned end = first + n < 512 ? first + n : 512;
	for (unsigned j = first; j < end; j++) {
		uint64_t old = sp->spt[j];
		if (j == idx || (is_shadow_present_pte(old) && (old & PTE_RW)))
			continue;
		uint64_t gfn;
		unsigned access;
		bool dirty;
		unsigned pkey;
		if (sp->role.direct) {
			gfn = sp->gfn + j;
			access = sp->role.access;
			dirty = sp->role.dirty;
			pkey = sp->role.pkey;
		} else {
			uint64_t gpte;
			/* One load: the guest may be writing it. */
			if (gpt)
				gpte = __atomic_load_n(&gpt[j], __ATOMIC_RELAXED);
			else if (p2m_read64(p2m, (sp->gfn << 12) + j * 8ull, &gpte))
				break;
			/* A streamed fault: the guest is writing the window's
			 * entries now; this one may still come. */
			if (gpt && !(gpte & PTE_P) && mmu->stream) {
				mmu->stats.slot_stream_waits++;
				while (!(gpte & PTE_P) && mmu_stream_wait(mmu))
					gpte = __atomic_load_n(&gpt[j], __ATOMIC_ACQUIRE);
			}
			/* Only what the CPU already used (A) and that is a
			 * valid 4K leaf: prefetch never sets A itself. */
			if (!(gpte & PTE_P) || !(gpte & PTE_A) || (gpte & rsvd))
				continue;
			/* A read-only neighbour is upgraded only to write,
			 * which needs W and D in the guest's entry: after a
			 * fork, each copy-on-write fault would otherwise look
			 * at 15 read-only neighbours in full. */
			if (is_shadow_present_pte(old) &&
			    (gpte & (PTE_RW | PTE_D)) != (PTE_RW | PTE_D))
				continue;
			gfn = (gpte & amask) >> 12;
			access = sp->role.access & guest_pte_access(gpte, nxe);
			dirty = gpte & PTE_D;
			pkey = leaf_pkey(pke, gpte);
		}
		uint64_t maddr;
		unsigned perms;
		if (p2m_lookup(p2m, gfn, &maddr, &perms))
			continue; /* not touched yet: no frame assigned here */
		if (is_shadow_present_pte(old)) {
			uint64_t spte = make_spte(maddr, 1, access, dirty, perms & EPTE_W,
						  nxe, pkey, false);
			/* Only W gained, on the same frame: nothing else. */
			if (!(spte & PTE_RW) || spte_addr(spte) != spte_addr(old) ||
			    sp->gfns[j] != gfn ||
			    ((spte ^ old) & (PTE_US | PTE_NX | PTE_PKEY_MASK)))
				continue;
			mmu_set_leaf(mmu, sp, j, spte, gfn);
			mmu->stats.prefetch_upgraded++;
			continue;
		}
		uint64_t spte = make_spte(maddr, 1, access, dirty, perms & EPTE_W, nxe, pkey, true);
		mmu_set_new_leaf(mmu, sp, j, spte, gfn);
		prefetched++;
		shadow_trace(mmu, TRACE_PREFETCH, as->asid, gfn, spte, 1);
	}
	mmu->stats.prefetched += prefetched;
}

static int64_t reflect(struct shadow_mmu *mmu, uint32_t ec)
{
	mmu->stats.faults_reflected++;
	return UMBRA_SHADOW_REFLECT | ((int64_t)(ec & 0xffff) << UMBRA_SHADOW_RESULT_EC_SHIFT);
}

_Static_assert(ACC_WRITE == WALK_R_W && ACC_USER == WALK_R_U && ACC_EXEC == WALK_R_X,
	       "a role's access is a walk's rights");

/*
 * The shadow page of the guest table that maps gva (level 1), when the
 * shadow path down to it is there already: the guest's entries above it
 * are then the ones the path was built from, with the rights its role
 * records, since the guest's invalidation of any change there unlinks
 * the path (zap_range drops a table left empty), or, for a WRPROTECT that
 * may have taken W above, marks it rights_unsure. A fault below such a
 * path walks the guest's last level only, as the CPU walks from its
 * paging-structure caches; KVM walks every level, having no such
 * promise from its guest. User addresses only.
 */
static struct kvm_mmu_page *shadowed_leaf_table(const struct shadow_mmu *mmu,
						const struct shadow_as *as, uint64_t gva)
{
	if (gva >> (va_bits(mmu->levels) - 1))
		return NULL;
	struct kvm_mmu_page *sp = as->root;
	for (unsigned level = mmu->levels; sp && level > 1; level--) {
		uint64_t spte = sp->spt[spte_index(gva, level)];
		if (!is_shadow_present_pte(spte) || is_last_spte(spte, level))
			return NULL;
		sp = spte_to_child(mmu, spte);
	}
	return sp && !sp->role.direct && !sp->rights_unsure ? sp : NULL;
}

/* Links the shadow path for gva down to the leaf, from the guest walk r
 * (from the top, or from a shadowed leaf table: table, when the caller
 * knows it is still there, else looked up again). Returns 0, -1 (out of
 * shadow pages, which the caller made room for) or 1 (the shadowed table
 * the walk started from went meanwhile: the CPU faults again). */
int mmu_fetch(struct shadow_mmu *mmu, struct shadow_as *as, uint64_t gva,
	      const struct walk_result *r, struct kvm_mmu_page *table, bool pin)
{
	/* The level of the walk's first entry. */
	unsigned top = r->level + r->nlevels - 1;
	struct kvm_mmu_page *sp = as->root;
	unsigned access = ACC_ALL;
	unsigned level = top;
	uint64_t amask = guest_addr_mask(mmu);

	if (top < mmu->levels) {
		sp = table ? table : shadowed_leaf_table(mmu, as, gva);
		if (!sp || top != 1 || sp->gfn != r->pte_gpa[0] >> 12)
			return 1;
		access = sp->role.access;
	}
	/* Guest tables: one indirect shadow page per guest table. */
	for (; level > r->level; level--) {
		uint64_t gpte = r->pte[top - level];
		access &= guest_pte_access(gpte, mmu->cfg.efer_nxe);
		union kvm_mmu_page_role role = make_role(level - 1, access, false, false, 0);
		sp = get_child(mmu, sp, spte_index(gva, level),
			       (gpte & amask) >> 12, role);
		if (!sp)
			return -1;
		sp->pinned |= pin;
	}
	uint64_t gleaf = r->pte[top - level];
	access &= guest_pte_access(gleaf, mmu->cfg.efer_nxe);
	bool dirty = gleaf & PTE_D;
	unsigned pkey = leaf_pkey(mmu->cfg.cr4_pke, gleaf);
	uint64_t gfn = r->gpa >> 12;

	/* The guest leaf: here, or split into direct pages down to a level
	 * the machine frames allow. */
	for (;; level--) {
		unsigned idx = spte_index(gva, level);
		uint64_t maddr;
		bool w;
		if (level == 1) {
			unsigned perms = 0;
			p2m_lookup(mmu->p2m, gfn, &maddr, &perms);
			uint64_t spte = make_spte(maddr, 1, access, dirty,
						  perms & EPTE_W,
						  mmu->cfg.efer_nxe, pkey, false);
			mmu_set_leaf(mmu, sp, idx, spte, gfn);
			if (mmu->fill_declined)
				return -1;
			mmu->stats.fills++;
			shadow_trace(mmu, TRACE_FILL, as->asid, gva, spte, 1);
			prefetch(mmu, as, sp, idx);
			return 0;
		}
		uint64_t first = gfn & ~(FRAMES_PER_2M - 1);
		if (level == 2 && can_map_2m(mmu, first, &maddr, &w)) {
			uint64_t spte = make_spte(maddr, 2, access, dirty, w,
						  mmu->cfg.efer_nxe, pkey, false);
			mmu_set_leaf(mmu, sp, idx, spte, first);
			if (mmu->fill_declined)
				return -1;
			mmu->stats.fills++;
			mmu->stats.fills_2m++;
			shadow_trace(mmu, TRACE_FILL, as->asid, gva, spte, 2);
			return 0;
		}
		union kvm_mmu_page_role role = make_role(level - 1, access, true,
							 dirty, pkey);
		uint64_t cgfn = gfn & ~((1ull << (9 * (level - 1))) - 1);
		sp = get_child(mmu, sp, idx, cgfn, role);
		if (!sp)
			return -1;
		sp->pinned |= pin;
	}
}

int64_t shadow_page_fault(struct shadow_mmu *mmu, unsigned vcpu, uint32_t asid,
			  uint64_t gva, uint32_t error_code, unsigned flags)
{
	if (vcpu >= mmu->nr_vcpus)
		return -UMBRA_EINVAL;
	struct shadow_as *as = mmu->vcpu[vcpu].current;
	if (!as || as->asid != asid || !as->root)
		return -UMBRA_EINVAL;
	/* Released while active: only the kernel half is still shadowed. */
	if (as->dying && !(gva >> 63))
		return reflect(mmu, error_code & (PFERR_W | PFERR_U | PFERR_ID));
	if ((error_code & PFERR_W) && (error_code & PFERR_ID))
		return -UMBRA_EINVAL;
	shadow_trace(mmu, TRACE_FAULT, asid, gva, error_code, flags);
	/* The shadow carries the guest's keys: a key fault is the guest's. */
	if (error_code & PFERR_PK)
		return reflect(mmu, error_code);

	unsigned access = ((error_code & PFERR_W) ? WALK_WRITE : 0) |
			  ((error_code & PFERR_ID) ? WALK_FETCH : 0) |
			  ((flags & UMBRA_SHADOW_FAULT_IMPLICIT) ? WALK_IMPLICIT : 0);
	unsigned cpl = (error_code & PFERR_U) ? 3 : 0;
	uint64_t seq = mmu->mmu_invalidate_seq;

	struct walk_ctx ctx;
	struct walk_result r;
	guest_walk_ctx(mmu, as, &ctx, cpl, flags & UMBRA_SHADOW_FAULT_AC, true);
	struct kvm_mmu_page *table = shadowed_leaf_table(mmu, as, gva);
	if (table) {
		ctx.start_level = 1;
		ctx.start_table = table->gfn << 12;
		ctx.start_rights = table->role.access; /* ACC_* are WALK_R_* */
	}
	enum walk_status ws = walk_guest(&ctx, gva, access, &r);
	/* A streamed fault: the guest may not have written the entry yet;
	 * the same walk again until it has, or has ended the stream. */
	if (ws == WALK_PF && mmu->stream)
		mmu->stats.slot_stream_waits++;
	while (ws == WALK_PF && !mmu->fill_declined && mmu_stream_wait(mmu))
		ws = walk_guest(&ctx, gva, access, &r);
	/* The guest may have widened an entry above without an invalidation
	 * (it needs none): a fault from the short walk is checked by a full
	 * one before it is reflected, as a #PF drops the CPU's
	 * paging-structure caches for the address (SDM 4.10.4.1). */
	if (table && ws == WALK_PF && !mmu->fill_declined) {
		table = NULL;
		ctx.start_level = 0;
		ws = walk_guest(&ctx, gva, access, &r);
	}
	if (mmu->fill_declined)
		return UMBRA_SHADOW_DECLINED;
	switch (ws) {
	case WALK_OK:
		break;
	case WALK_PF:
		return reflect(mmu, r.error_code);
	case WALK_BAD_GPA:
		/* A guest table outside guest memory reads as all ones on
		 * real hardware: reserved bits set. */
		mmu->stats.hostile++;
		return reflect(mmu, (error_code & (PFERR_W | PFERR_U | PFERR_ID)) |
				    PFERR_P | PFERR_RSVD);
	case WALK_RETRY:
		return UMBRA_SHADOW_HANDLED; /* the guest races itself: refault */
	default:
		return -UMBRA_EINVAL;
	}

	uint64_t gfn = r.gpa >> 12, maddr;
	unsigned perms = 0;
	if (gfn >= mmu->p2m->nr_gfns) {
		mmu->stats.hostile++;
		return reflect(mmu, (error_code & (PFERR_W | PFERR_U | PFERR_ID)) |
				    PFERR_P | PFERR_RSVD);
	}
	/* A fault-slot answer adds entries only: a first touch (perhaps a
	 * reclaim under --mem-limit) or a copy-on-write break would change the
	 * p2m and zap what mapped the old frame. */
	if (mmu->fill_only &&
	    (p2m_lookup(mmu->p2m, gfn, &maddr, &perms) ||
	     ((access & WALK_WRITE) && !(perms & EPTE_W))))
		return UMBRA_SHADOW_DECLINED;
	int pr = p2m_populate(mmu->p2m, gfn, &maddr);
	if (pr == 0) {
		p2m_lookup(mmu->p2m, gfn, &maddr, &perms);
		if ((access & WALK_WRITE) && !(perms & EPTE_W))
			pr = p2m_break_cow(mmu->p2m, gfn, &maddr);
	}
	/* Host memory is changing this frame (host_mem.h): the CPU faults
	 * again once it is done. */
	if (pr == -EAGAIN)
		return UMBRA_SHADOW_HANDLED;
	if (pr)
		return -UMBRA_ENOMEM;
	/* Nothing invalidated since the walk (the common case: the frame was
	 * there): the leaf table it started from is still there, and
	 * mmu_fetch need not look for it again. */
	struct kvm_mmu_page *fetch_table = mmu->mmu_invalidate_seq == seq ? table : NULL;
	/* Our own p2m changes above (first touch, copy-on-write) zapped only
	 * what mapped the old frame: not a reason to retry. */
	seq = mmu->mmu_invalidate_seq;
	/* Below a shadowed leaf table no page is made (and none evicted:
	 * that might be the table). */
	unsigned need = table ? 0 : mmu->levels - 1;
	/* Nor an eviction: it may take a running vCPU's kernel stack. */
	if (mmu->fill_only && (mmu->nr_sps + need > mmu->budget || mmu->pool->nfree < need))
		return UMBRA_SHADOW_DECLINED;
	if (need && make_mmu_pages_available(mmu, need))
		return -UMBRA_ENOMEM;
	/* An invalidation since the walk may have removed what it read: let
	 * the CPU fault again. (Single-threaded today, so only a notifier
	 * run from inside this fault could do it; kept for the VMM's
	 * threads, as KVM's is_page_fault_stale.) */
	if (seq != mmu->mmu_invalidate_seq)
		return UMBRA_SHADOW_HANDLED;
	int fr = mmu_fetch(mmu, as, gva, &r, fetch_table, false);
	if (fr > 0)
		return UMBRA_SHADOW_HANDLED;
	if (fr)
		return mmu->fill_declined ? UMBRA_SHADOW_DECLINED : -UMBRA_ENOMEM;
	mmu->stats.faults_handled++;
	return UMBRA_SHADOW_HANDLED;
}

uint64_t mmu_leaf_spte_path(const struct shadow_mmu *mmu, const struct shadow_as *as,
			    uint64_t gva, struct kvm_mmu_page **path, unsigned *depth)
{
	struct kvm_mmu_page *sp = as->root;
	unsigned n = 0;
	for (unsigned level = mmu->levels; sp && level >= 1; level--) {
		uint64_t spte = sp->spt[spte_index(gva, level)];
		if (!is_shadow_present_pte(spte))
			return 0;
		if (is_last_spte(spte, level)) {
			if (depth)
				*depth = n;
			return spte;
		}
		sp = spte_to_child(mmu, spte);
		if (path && sp)
			path[n] = sp;
		n++;
	}
	return 0;
}

uint64_t mmu_leaf_spte(const struct shadow_mmu *mmu, const struct shadow_as *as, uint64_t gva)
{
	return mmu_leaf_spte_path(mmu, as, gva, NULL, NULL);
}

int shadow_prefault(struct shadow_mmu *mmu, unsigned vcpu, uint64_t gva)
{
	if (vcpu >= mmu->nr_vcpus || !mmu->vcpu[vcpu].current)
		return -UMBRA_EINVAL;
	/* The VMM prefaults the kernel stack after every hypercall: almost
	 * always there already, and a 2M fill checks 512 frames. */
	if (mmu->vcpu[vcpu].current->root &&
	    (mmu_leaf_spte(mmu, mmu->vcpu[vcpu].current, gva) & PTE_RW))
		return 0;
	uint32_t asid = mmu->vcpu[vcpu].current->asid;
	/* Not the guest's faults: leave the fault counters as they were. */
	uint64_t handled = mmu->stats.faults_handled, reflected = mmu->stats.faults_reflected;
	int64_t r = shadow_page_fault(mmu, vcpu, asid, gva, PFERR_W, 0);
	if (r != UMBRA_SHADOW_HANDLED)
		r = shadow_page_fault(mmu, vcpu, asid, gva, 0, 0);
	mmu->stats.faults_handled = handled;
	mmu->stats.faults_reflected = reflected;
	return r == UMBRA_SHADOW_HANDLED ? 0 : -UMBRA_EFAULT;
}
