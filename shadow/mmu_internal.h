/* SPDX-License-Identifier: MIT */
/*
 * Internals of the shadow MMU, shared by its files (names as KVM's
 * mmu_internal.h): the shadow page and its role, address spaces, the MMU.
 */
#ifndef UMBRA_SHADOW_MMU_INTERNAL_H
#define UMBRA_SHADOW_MMU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "host_mem.h"
#include "mmu.h"
#include "mmu_trace.h"
#include "spte.h"
#include "umbra/hypercall.h"
#include "walker.h"

/* What a shadow page stands for, besides its guest frame. Two guest paths
 * to the same guest table with different combined rights need different
 * shadow pages, since their entries differ. */
union kvm_mmu_page_role {
	uint32_t word;
	struct {
		uint32_t level : 4;  /* 1 = holds PTEs .. 5 = PML5 */
		uint32_t access : 3; /* ACC_*: rights of the levels above */
		uint32_t direct : 1; /* maps a guest large page in pieces: gfn
				      * is the first frame covered, not a
				      * guest table */
		uint32_t dirty : 1;  /* direct: the guest leaf is dirty (else
				      * every entry is read-only) */
		uint32_t pkey : 4;   /* direct: the guest leaf's key */
	};
};

/* Roles are compared as whole words: build them from a zeroed word, since
 * an initializer of the bit-fields leaves the unused bits unspecified. */
static inline union kvm_mmu_page_role make_role(unsigned level, unsigned access,
						bool direct, bool dirty,
						unsigned pkey)
{
	union kvm_mmu_page_role role;
	role.word = 0;
	role.level = level;
	role.access = access;
	role.direct = direct;
	role.dirty = dirty;
	role.pkey = pkey;
	return role;
}

/* A parent entry linking to a shadow page (KVM's parent_ptes). */
struct parent_ref {
	struct kvm_mmu_page *sp;
	unsigned idx;
};

struct kvm_mmu_page {
	struct kvm_mmu_page *hash_next;
	struct kvm_mmu_page *prev, *next;  /* active list, oldest first */
	uint32_t asid;
	uint64_t gfn;                      /* guest table frame (or first
					    * frame covered, if direct) */
	union kvm_mmu_page_role role;
	bool root;
	uint64_t maddr;                    /* where the CPU finds spt */
	uint64_t *spt;                     /* the 512 shadow entries */
	struct parent_ref *parents;
	unsigned nr_parents, cap_parents;
	unsigned nr_present;
	uint64_t present[8];               /* which spt entries are present:
					    * the audit visits only those */
	bool pinned;                       /* on a pinned path: never evicted */
	/* A WRPROTECT went through: the guest may have taken W from an entry
	 * above, which this page's role does not show. The next fill below
	 * walks in full (and clears it when the role still holds, for a page
	 * with one parent: the mark is the page's, not the link's). */
	bool rights_unsure;
	/* Last: read only where present says so, so a reused header
	 * (mmu_alloc_sp) leaves it as it was. */
	uint64_t gfns[512];                /* gfn each leaf entry maps */
};

static inline void sp_set_present(struct kvm_mmu_page *sp, unsigned idx)
{
	sp->present[idx / 64] |= 1ull << (idx % 64);
	sp->nr_present++;
}

static inline void sp_clear_present(struct kvm_mmu_page *sp, unsigned idx)
{
	sp->present[idx / 64] &= ~(1ull << (idx % 64));
	sp->nr_present--;
}

/* Per vCPU: the address space it runs (its root is in that vCPU's CR3,
 * so it is never evicted) and whether its TLB must be flushed. */
struct shadow_vcpu {
	struct shadow_as *current;
	/* The address space it switched away from in its last AS_ACTIVATE:
	 * the CPU runs on that root until the guest loads the new CR3 after
	 * the call, so it counts as active (never freed or evicted) until
	 * the vCPU's next shadow hypercall (mmu_vcpu_settled). */
	struct shadow_as *leaving;
	bool tlb_flush;
	/* A flush was handed to it (an answer's flag, or the CR3 load after
	 * AS_ACTIVATE) that its CPU may not have done yet: until its next
	 * call (mmu_vcpu_flushed), freed frames stay cool. */
	bool flush_unacked;
	/* UMBRA_HC_SHADOW_STACK_HINT: where the guest keeps the top of the
	 * kernel stack this vCPU runs on (0: unknown), and its size. */
	uint64_t stack_hint_gpa, stack_size;
	/* UMBRA_HC_SHADOW_KICK_FLAG: the u64 set before each kick (0: none). */
	uint64_t kick_flag_gpa;
	/* UMBRA_HC_SHADOW_FAULT_SLOT: the vCPU's fault slot (0: none), and
	 * the last request answered or ended (the VMM's own copy: the
	 * guest could overwrite done). */
	uint64_t fault_slot_gpa;
	uint32_t slot_answered;
	/* Counted per vCPU for --stats: shadow hypercalls, of them faults,
	 * and stack refills made for it by other vCPUs' calls. */
	uint64_t hypercalls, faults, stack_refills;
};

struct shadow_as {
	uint32_t asid;           /* 0: free slot */
	uint16_t gen;            /* bumps on each reuse of the slot */
	uint64_t guest_root;     /* guest-physical address of its top table */
	struct kvm_mmu_page *root;
	uint64_t last_used;      /* root LRU clock */
	bool dying;              /* released while active */
	bool pins_stale;         /* pinned ranges need filling */
};

/* A reverse-map list: the shadow leaf entries mapping (gfn, level). */
struct spte_ref {
	struct kvm_mmu_page *sp;
	unsigned idx;
};
/* A list of two or more (rmap.c; one entry needs no head). */
struct rmap_head {
	struct rmap_head *next_free; /* on rmap_free */
	struct spte_ref *refs;
	unsigned n, cap;
};

#define SP_HASH_SIZE 4096

struct shadow_mmu {
	struct shadow_config cfg;
	unsigned levels;              /* 4 or 5 */
	struct p2m *p2m;
	struct frame_pool *pool;
	struct hm_notifier hm_sub;    /* subscription to p2m->hm, if any */

	struct kvm_mmu_page *sp_hash[SP_HASH_SIZE];
	struct kvm_mmu_page active;   /* list head of all shadow pages */
	struct kvm_mmu_page **sp_of_frame; /* pool frame -> shadow page */
	struct kvm_mmu_page *sp_free; /* freed headers, kept for reuse */
	unsigned nr_sps, budget;

	struct shadow_as **as;        /* slots; allocated once, never moved */
	unsigned nr_as;
	struct shadow_vcpu vcpu[SHADOW_MAX_VCPUS];
	unsigned nr_vcpus;
	unsigned nr_roots;
	uint64_t clock;

	/* Reverse maps indexed by frame (KVM's memslot rmap arrays: a fill
	 * finds its list without a search): 4K entries by gfn, 2M entries
	 * by gfn / 512. One word per guest page (rmap.c), touched only
	 * where mapped. */
	uintptr_t *rmap_4k, *rmap_2m;
	struct rmap_head *rmap_free;  /* freed heads, kept for reuse */

	struct shadow_stats stats;
	/* Bumped by every invalidation: a fault that started before one
	 * retries instead of installing what it read (KVM's
	 * mmu_invalidate_seq). */
	uint64_t mmu_invalidate_seq;
	/* Bumped (under the lock) when a fault slot is registered or
	 * unregistered, or a host-memory change may have moved, dropped or
	 * write-protected a slot's frame: a poll thread's watched pointers
	 * are then looked up again (fault_slot.c). */
	uint32_t fault_slots_gen;

	/* The guest's batch queue (hc_shadow.c): its guest-physical page
	 * and the VMM's own consumer index (the copy in guest memory is only
	 * informative: the guest could overwrite it). */
	uint64_t ring_gpa;
	uint32_t ring_tail;
	uint64_t audit_countdown;     /* hypercalls until the next audit */
	void *audit_regions;          /* the audit's per-2M-region scratch */
	uint32_t audit_stamp;         /* its current audit number */

	/* Pinned ranges (inclusive ends), shared by every address space. */
	struct { uint64_t start, last; } pins[UMBRA_SHADOW_MAX_PINS];
	unsigned nr_pins, nr_pin_pages;
	bool pins_zapped;        /* an entry on a pinned path went */

	struct mmu_trace *trace; /* MMU event ring (mmu_trace.h); NULL: off */

	/* While a fault slot is answered (fault_slot.c): a fill that would
	 * zap, evict or change the p2m stops and sets fill_declined. */
	bool fill_only, fill_declined;
	/* While a streamed fault is answered: its slot (NULL once the guest
	 * ended the stream or the wait ran out), the request's seq, and
	 * when the wait began (it runs out cfg.stream_wait_ns later:
	 * mmu_stream_wait). */
	const struct umbra_shadow_fault_slot *stream;
	uint32_t stream_seq;
	unsigned stream_spins;
	uint64_t stream_start_ns;
};

/* Records one event; when tracing is off, one test and no call (the fill
 * and prefetch paths record one per entry; Linux's tracepoints test a
 * static key first). */
static inline void shadow_trace(struct shadow_mmu *mmu, unsigned type, uint32_t asid,
				uint64_t a, uint64_t b, uint32_t arg)
{
	if (mmu->trace)
		mmu_trace_record(mmu->trace, type, asid, a, b, arg);
}

/* mmu_page.c: the shadow page cache. */
struct kvm_mmu_page *mmu_find_sp(struct shadow_mmu *mmu, uint32_t asid,
				 uint64_t gfn, union kvm_mmu_page_role role);
struct kvm_mmu_page *mmu_alloc_sp(struct shadow_mmu *mmu, uint32_t asid,
				  uint64_t gfn, union kvm_mmu_page_role role);
struct kvm_mmu_page *spte_to_child(const struct shadow_mmu *mmu, uint64_t spte);
void mmu_free_sp_headers(struct shadow_mmu *mmu);
void mmu_link_sp(struct shadow_mmu *mmu, struct kvm_mmu_page *parent,
		 unsigned idx, struct kvm_mmu_page *child);
void mmu_set_leaf(struct shadow_mmu *mmu, struct kvm_mmu_page *sp,
		  unsigned idx, uint64_t spte, uint64_t gfn);
void mmu_zap_spte(struct shadow_mmu *mmu, struct kvm_mmu_page *sp, unsigned idx);
void mmu_free_sp(struct shadow_mmu *mmu, struct kvm_mmu_page *sp);
int make_mmu_pages_available(struct shadow_mmu *mmu, unsigned need);

/* Under the lock: a fault slot was (un)registered, or host memory may
 * have changed one's frame (see fault_slots_gen). */
static inline void mmu_fault_slots_changed(struct shadow_mmu *mmu)
{
	__atomic_fetch_add(&mmu->fault_slots_gen, 1, __ATOMIC_RELEASE);
}

/* Reverse maps (rmap.c): where the list of (gfn, level) is, one word;
 * NULL for a frame outside guest memory (never mapped, so never listed). */
static inline uintptr_t *rmap_slot(const struct shadow_mmu *mmu, uint64_t gfn,
				   unsigned level)
{
	if (gfn >= mmu->p2m->nr_gfns)
		return NULL;
	return level == 1 ? &mmu->rmap_4k[gfn] : &mmu->rmap_2m[gfn / FRAMES_PER_2M];
}

/* rmap.c: adds the entry at idx of sp to the list whose word is slot,
 * which holds one entry or more already (rmap_add's other case). */
void rmap_add_more(struct shadow_mmu *mmu, uintptr_t *slot, struct kvm_mmu_page *sp,
		   unsigned idx);

/* Lists the entry at idx of sp under (gfn, level). Inline: every fill and
 * prefetched neighbour adds one, and the list is most often empty then,
 * so it is one store. */
static inline void rmap_add(struct shadow_mmu *mmu, uint64_t gfn, unsigned level,
			    struct kvm_mmu_page *sp, unsigned idx)
{
	uintptr_t *slot = rmap_slot(mmu, gfn, level);
	if (!slot)
		abort(); /* a fill maps only frames the p2m has */
	if (!*slot)
		*slot = (uintptr_t)&sp->spt[idx];
	else
		rmap_add_more(mmu, slot, sp, idx);
}

/* Sets the leaf entry at idx of sp, which the caller knows is not present
 * (a present one would leave its reverse-map entry behind): mmu_set_leaf's
 * last step, and a prefetched neighbour's whole fill. Inline for the
 * prefetch, as rmap_add. */
static inline void mmu_set_new_leaf(struct shadow_mmu *mmu, struct kvm_mmu_page *sp,
				    unsigned idx, uint64_t spte, uint64_t gfn)
{
	sp->spt[idx] = spte;
	sp->gfns[idx] = gfn;
	sp_set_present(sp, idx);
	rmap_add(mmu, gfn, (spte & PTE_PS) ? sp->role.level : 1, sp, idx);
}

void rmap_remove(struct shadow_mmu *mmu, uint64_t gfn, unsigned level,
		 struct kvm_mmu_page *sp, unsigned idx);
/* Zaps every shadow entry mapping (gfn, level); returns how many. */
unsigned rmap_zap(struct shadow_mmu *mmu, uint64_t gfn, unsigned level);
/* Host memory's change_pte: the 4K entries mapping gfn now map maddr
 * (read-only unless writable), entries on pinned paths and 2M entries are
 * zapped. Returns the entries touched. */
unsigned rmap_change_pte(struct shadow_mmu *mmu, uint64_t gfn, uint64_t maddr,
			 bool writable);
/* Whether an entry mapping gfn has A set; clear: clears them. */
bool rmap_age(struct shadow_mmu *mmu, uint64_t gfn, bool clear);
/* How many shadow entries map (gfn, level). */
unsigned rmap_entries(const struct shadow_mmu *mmu, uint64_t gfn, unsigned level);
/* Whether (gfn, level)'s list holds entry idx of sp (the audit). */
bool rmap_lists(const struct shadow_mmu *mmu, uint64_t gfn, unsigned level,
		const struct kvm_mmu_page *sp, unsigned idx);
/* The arrays for p2m->nr_gfns frames: 0 or -ENOMEM. */
int rmap_init(struct shadow_mmu *mmu);
void rmap_destroy(struct shadow_mmu *mmu);

/* mmu_as.c */
struct shadow_as *shadow_find_as(struct shadow_mmu *mmu, uint32_t asid);
/* Whether some vCPU runs as (its root is in a CR3). */
bool as_is_active(const struct shadow_mmu *mmu, const struct shadow_as *as);
/* At the start of every shadow hypercall of vcpu: it has loaded the CR3
 * its last AS_ACTIVATE returned, so the address space it left is no
 * longer on its CPU (freed now if it was released). */
void mmu_vcpu_settled(struct shadow_mmu *mmu, unsigned vcpu);
/* At the start of every call of vcpu, a hypercall or a fault-slot request:
 * the guest does the flush an answer hands it before anything else, so
 * that one is done. When no vCPU owes a flush, no CPU can reach a frame
 * freed so far through a stale TLB or paging-structure cache entry: the
 * pool may hand those out first (frame_pool_warm). */
void mmu_vcpu_flushed(struct shadow_mmu *mmu, unsigned vcpu);
/* A present entry of asid was zapped or downgraded: the vCPUs running it
 * must flush. */
void mmu_flush_asid(struct shadow_mmu *mmu, uint32_t asid);

/* mmu_fault.c: the fault the slot s holds (its seq) streams: the
 * guest is writing the entries (UMBRA_SHADOW_FAULT_STREAM); the caller
 * sets mmu->stream to NULL after the fault. */
void mmu_stream_begin(struct shadow_mmu *mmu, const struct umbra_shadow_fault_slot *s,
		      uint32_t seq);
/* mmu_fault.c: while a streamed fault is answered, true when an entry
 * not written yet may still come: then the caller reads it again. It
 * says so once more after the stream ends (the entry may have been
 * written just before), then false. */
bool mmu_stream_wait(struct shadow_mmu *mmu);

/* mmu_fault.c: links the shadow path for gva from the guest walk r down
 * to the leaf (marking the pages pinned when pin; table: the shadowed
 * leaf table a short walk started from, if known to be there still); 0,
 * -1 (no shadow page could be had) or 1 (refault). */
int mmu_fetch(struct shadow_mmu *mmu, struct shadow_as *as, uint64_t gva,
	      const struct walk_result *r, struct kvm_mmu_page *table, bool pin);
/* mmu_fault.c: the present leaf entry the shadow tables of as map gva
 * with, or 0. */
uint64_t mmu_leaf_spte(const struct shadow_mmu *mmu, const struct shadow_as *as, uint64_t gva);
/* The same, and the shadow pages below the root on the way (path, room
 * for levels - 1; may be NULL) and how many (*depth: the leaf entry is at
 * level levels - *depth). */
uint64_t mmu_leaf_spte_path(const struct shadow_mmu *mmu, const struct shadow_as *as,
			    uint64_t gva, struct kvm_mmu_page **path, unsigned *depth);

/* mmu_pin.c: fills the pinned ranges of as if they are stale; 0 or
 * -UMBRA_ENOMEM. */
int mmu_fill_pins(struct shadow_mmu *mmu, struct shadow_as *as);
/* Marks every address space's pins stale and refills the active ones. */
void mmu_refresh_pins(struct shadow_mmu *mmu);
/* Refills the stale pins of the address spaces the vCPUs run. */
void mmu_fill_active_pins(struct shadow_mmu *mmu);
/* Whether an address space a vCPU runs has stale pins (a refill that
 * could not evict, in a fault slot's answer, left them so). */
bool mmu_pins_stale(const struct shadow_mmu *mmu);
/* After zapping: refills the pins if a pinned entry went. */
void mmu_after_zap(struct shadow_mmu *mmu);

/* The guest-walk context of an address space (mmu_fault.c). */
void guest_walk_ctx(const struct shadow_mmu *mmu, const struct shadow_as *as,
		    struct walk_ctx *ctx, unsigned cpl, bool ac, bool ad_update);

/* Address covered by entry idx of a level-`level` table below base. */
static inline uint64_t level_shift(unsigned level)
{
	return 12 + 9 * (level - 1);
}

/* Linear-address width with this many paging levels. */
static inline unsigned va_bits(unsigned levels)
{
	return levels == 5 ? 57 : 48;
}

/* Canonical address of the first byte covered by entry idx of a root of
 * that many levels: the upper half's entries are sign-extended, so entry
 * addresses rise with idx across the non-canonical hole. */
static inline uint64_t root_entry_va(unsigned levels, unsigned idx)
{
	int sh = 64 - (int)va_bits(levels);
	uint64_t va = (uint64_t)idx << level_shift(levels);
	return (uint64_t)(((int64_t)(va << sh)) >> sh);
}

static inline unsigned spte_index(uint64_t gva, unsigned level)
{
	return (gva >> level_shift(level)) & 511;
}

#endif
