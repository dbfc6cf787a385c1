/* SPDX-License-Identifier: MIT */
/*
 * Host memory: the primary MMU of guest frames (docs/host-memory.md).
 * Owns the backing of every guest frame (gfn): absent (never touched or
 * given back: reads as zero), present in a machine frame of the pool
 * (possibly shared read-only by several gfns after dedup), or swapped out
 * to a file. Every change of a backing goes through this API, which
 * announces it on a notifier chain shaped like Linux's mmu_notifier; the
 * subscribers are the secondary MMUs: the p2m (the EPT-format table, see
 * p2m.h) and the shadow MMU (mmu.h).
 *
 * Faults resolve a backing and install it in the p2m with KVM's
 * mmu_invalidate_seq / mmu_invalidate_in_progress protocol: the sequence
 * is sampled before the backing is resolved and checked, with the count
 * of invalidations in progress, right before the entry is installed; a
 * fault that raced an invalidation starts over. Not thread-safe by
 * itself: callers hold one lock (the VMM's shadow lock).
 */
#ifndef UMBRA_HOST_MEM_H
#define UMBRA_HOST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "p2m.h"

/* Why a range is invalidated (Linux's enum mmu_notifier_event). */
enum hm_event {
	HM_EV_UNMAP = 1,  /* backing gone (balloon, discard) */
	HM_EV_CLEAR,      /* backing cleared and kept elsewhere (swap-out,
			   * or a test's zap of the secondary mappings) */
	HM_EV_PROTECTION, /* rights reduced */
	HM_EV_MIGRATE,    /* backing moves to another machine frame */
	HM_EV_RELEASE,    /* the whole guest memory goes (teardown) */
	HM_EV_KINDS
};

struct hm_range {
	uint64_t gfn, npages;
	enum hm_event event;
};

struct hm_notifier;
/*
 * A subscriber's callbacks (any may be NULL). Between invalidate_range_start
 * and _end the backing of the range changes: a subscriber drops (or, for
 * HM_EV_PROTECTION, write-protects) what maps it in start. change_pte is
 * called outside any start/end pair: the gfn's backing is now maddr with
 * EPTE_* perms, and a subscriber may repoint its entries in place (never
 * adding write access) instead of dropping them. clear_young clears the
 * accessed bits a subscriber keeps for the range and says whether any was
 * set; test_young only tests. release: the memory goes away.
 */
struct hm_notifier_ops {
	void (*invalidate_range_start)(struct hm_notifier *n, const struct hm_range *r);
	void (*invalidate_range_end)(struct hm_notifier *n, const struct hm_range *r);
	void (*change_pte)(struct hm_notifier *n, uint64_t gfn, uint64_t maddr,
			   unsigned perms);
	bool (*clear_young)(struct hm_notifier *n, uint64_t gfn, uint64_t npages);
	bool (*test_young)(struct hm_notifier *n, uint64_t gfn, uint64_t npages);
	void (*release)(struct hm_notifier *n);
};

struct hm_notifier {
	const struct hm_notifier_ops *ops;
	void *opaque;
	struct hm_notifier *next;
};

/* The steps of a fault, for the interleaving test (host_mem.step_hook). */
enum hm_fault_step {
	HM_STEP_BEGIN,     /* sequence sampled */
	HM_STEP_RESOLVED,  /* backing resolved, not yet installed */
	HM_STEP_INSTALLED, /* entry installed in the p2m */
	HM_STEPS
};

struct hm_stats {
	uint64_t faults;           /* backings resolved for the p2m */
	uint64_t retries;          /* faults that raced an invalidation */
	uint64_t zero_fills;       /* frames given a zeroed machine frame */
	uint64_t swap_outs, swap_ins;
	uint64_t swap_zero;        /* victims that were all zero: dropped, not written */
	uint64_t swap_write_errors; /* victims kept resident: the write failed */
	uint64_t reclaim_scans;    /* frames looked at by the aging clock */
	uint64_t balloon_out;      /* frames the guest gave back */
	uint64_t balloon_in;       /* ... and said it took back */
	uint64_t merges;           /* dedup: frames merged into a shared one */
	uint64_t unshares;         /* writes that broke a sharing */
	uint64_t migrations;
	uint64_t host_released;    /* machine frames returned to the host */
	uint64_t ev_start[HM_EV_KINDS], ev_end;
	uint64_t ev_change_pte, ev_clear_young, ev_test_young, ev_release;
	uint64_t resident_max;     /* peak of resident */
};

struct host_mem {
	struct p2m *p2m;
	struct frame_pool *pool;
	uint64_t nr_gfns;
	uint64_t *pte;             /* per gfn: see host_mem.c */
	uint32_t *share;           /* per pool frame: gfns backed by it */
	uint64_t *move_locked;     /* bitmap per gfn: host_mem_trylock */
	struct hm_notifier *notifiers;
	struct hm_notifier p2m_sub; /* the p2m's subscription */

	uint64_t invalidate_seq;   /* bumped at each invalidation's end and
				    * each change_pte */
	unsigned invalidate_in_progress;
	uint64_t inv_start, inv_end; /* union of the ranges in progress */

	uint64_t resident;         /* machine frames backing guest frames */
	uint64_t limit;            /* at most this many after host_mem_reclaim; 0: none */
	uint64_t clock_hand;       /* aging clock position (a gfn) */
	uint64_t dedup_hand;       /* where the next dedup scan starts */

	int swap_fd;               /* -1: no swap file */
	uint64_t swap_slots;       /* slots in the file */
	uint32_t *free_slots;
	uint64_t nr_free_slots;

	/* Called with the host address of a machine frame that is free again,
	 * to give its memory back to the host (MADV_DONTNEED); may be NULL. */
	void (*release_host)(void *opaque, void *hva, size_t len);
	void *release_opaque;

	/* Records a host-memory event (mmu_trace.h's TRACE_SWAP_OUT ...
	 * TRACE_MIGRATE), when set: the VMM points it at the trace ring. */
	void (*trace)(void *opaque, unsigned type, uint64_t a, uint64_t b);
	void *trace_opaque;

	/* Test hook: called at each step of every fault. */
	void (*step_hook)(struct host_mem *hm, uint64_t gfn, enum hm_fault_step step,
			  void *opaque);
	void *step_opaque;
	/* Test hook: install without the sequence check (shows the test fails). */
	bool debug_skip_seq_check;

	struct hm_stats stats;
};

/* Attaches to p2m (which must be empty): from now on its entries are
 * installed by host_mem_fault and dropped by the notifiers. swap_fd: a file
 * for swapped frames, or -1 (then nothing is reclaimed). 0 or -ENOMEM. */
int host_mem_init(struct host_mem *hm, struct p2m *p2m, int swap_fd);
/* Sends release to every subscriber, then frees everything. */
void host_mem_destroy(struct host_mem *hm);

void host_mem_register(struct host_mem *hm, struct hm_notifier *n);
void host_mem_unregister(struct host_mem *hm, struct hm_notifier *n);

/* The machine address backing gfn, resolved and installed in the p2m
 * (write: a private writable frame, breaking a sharing). 0, -EINVAL
 * beyond guest memory, -ENOMEM, or -EAGAIN while an invalidation of gfn
 * is in progress (the caller lets the access fault again). */
int host_mem_fault(struct host_mem *hm, uint64_t gfn, bool write, uint64_t *maddr);

/* Reads guest-physical bytes without resolving anything: a present frame
 * from the pool, a swapped one from the file, others as zero. 0 or -1. */
int host_mem_read(const struct host_mem *hm, uint64_t gpa, void *buf, size_t len);

/* The gfn is never chosen by reclaim (the VMM's pinned kernel frames). */
void host_mem_pin(struct host_mem *hm, uint64_t gfn, uint64_t npages);
bool host_mem_pinned(const struct host_mem *hm, uint64_t gfn);

/* A move by a thread beside the running vCPUs (vmm/host_mem_vm.c) unmaps
 * gfn, drops the shadow lock while the vCPUs flush their TLBs, then copies
 * or frees the frame. gfn is locked from before the unmap to after the
 * copy, as Linux holds the folio lock across try_to_unmap and the copy:
 * the clock (host_mem_reclaim, host_mem_reclaim_pick) and dedup pass a
 * locked gfn by, and another mover must not take it (it would find gfn
 * unmapped while the first mover's flush is still in flight, and copy or
 * free a frame a vCPU may still write). trylock: false when gfn is beyond
 * guest memory or already locked. Under the shadow lock. */
bool host_mem_trylock(struct host_mem *hm, uint64_t gfn);
void host_mem_unlock(struct host_mem *hm, uint64_t gfn);
bool host_mem_locked(const struct host_mem *hm, uint64_t gfn);

/* Each returns 0 or -errno (-ENOENT: nothing to do for this gfn). */
/* Writes gfn to the swap file and frees its frame. */
int host_mem_swap_out(struct host_mem *hm, uint64_t gfn);
/* Drops the backing: the next access sees a zeroed frame (balloon). */
int host_mem_discard(struct host_mem *hm, uint64_t gfn);
/* Moves gfn to another machine frame (compaction), with change_pte. */
int host_mem_migrate(struct host_mem *hm, uint64_t gfn);
/* Dedup: when gfn and canon hold identical bytes, gfn is backed by
 * canon's frame read-only (change_pte), its own frame freed. */
int host_mem_merge(struct host_mem *hm, uint64_t gfn, uint64_t canon);
/* Announces an invalidation of a backed range without changing it (the
 * secondaries drop their entries and refault): --chaos-invalidate. */
void host_mem_invalidate(struct host_mem *hm, uint64_t gfn, uint64_t npages,
			 enum hm_event event);

/* Swaps out frames chosen by the aging clock, among those ok (may be NULL)
 * accepts, until resident <= limit; returns how many went. */
uint64_t host_mem_reclaim(struct host_mem *hm, bool (*ok)(void *opaque, uint64_t gfn),
			  void *opaque);
/* The same clock's choice of up to max victims that ok (may be NULL)
 * accepts, without taking them: for a caller beside running vCPUs, which
 * unmaps them, waits until no TLB holds them, then swaps out those still
 * unmapped (vmm/host_mem_vm.c). Returns how many. */
uint64_t host_mem_reclaim_pick(struct host_mem *hm, uint64_t *out, uint64_t max,
			       bool (*ok)(void *opaque, uint64_t gfn), void *opaque);
/* Dedup: looks at up to budget present frames from the clock hand on and
 * merges those equal to one seen before, among those ok (may be NULL)
 * accepts. Returns the merges. */
uint64_t host_mem_dedup_scan(struct host_mem *hm, uint64_t budget,
			     bool (*ok)(void *opaque, uint64_t gfn), void *opaque);
/* The same scan's candidate pairs (gfn equal by content hash to canon),
 * up to max, without merging (a gfn in one pair only, a canon perhaps in
 * several): for a caller beside
 * running vCPUs, which unmaps both, waits until no TLB holds them, then
 * merges those still unmapped (host_mem_merge compares the bytes). */
struct host_mem_pair {
	uint64_t gfn, canon;
};
uint64_t host_mem_dedup_pick(struct host_mem *hm, uint64_t budget, struct host_mem_pair *out,
			     uint64_t max, bool (*ok)(void *opaque, uint64_t gfn), void *opaque);

enum hm_state { HM_ABSENT, HM_PRESENT, HM_SWAPPED };
enum hm_state host_mem_state(const struct host_mem *hm, uint64_t gfn);
/* Whether gfn's frame is shared with another gfn (dedup). */
bool host_mem_shared(const struct host_mem *hm, uint64_t gfn);
/* Whether gfn is absent because the balloon gave its frame back. */
bool host_mem_discarded(const struct host_mem *hm, uint64_t gfn);

#endif
