/* SPDX-License-Identifier: MIT */
/*
 * The shadow MMU: the VMM's shadow page tables (guest-virtual -> machine
 * frame) as a secondary MMU of the guest's mm. Hosted C without KVM; the
 * model is KVM's arch/x86/kvm/mmu (mmu.c, paging_tmpl.h, spte.c). See
 * docs/shadow.md.
 *
 * A shadow entry is the composition of the guest translation (walker.h,
 * full x86 permission semantics) and the p2m (p2m.h). Entries are only
 * added on faults (shadow_page_fault, with prefetch of neighbours) and
 * removed by the guest's invalidations, p2m changes, and evictions under a
 * shadow-page budget. Per-vCPU state: the address space each vCPU runs
 * and its pending TLB flush. Not thread-safe: the caller serialises all
 * calls (one lock, as KVM's mmu_lock).
 */
#ifndef UMBRA_SHADOW_MMU_H
#define UMBRA_SHADOW_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "p2m.h"
#include "umbra/hypercall.h"

struct shadow_config {
	/* The vCPU's paging mode; CR0.WP=1 is assumed (see docs/shadow.md). */
	bool la57, efer_nxe, cr4_smep, cr4_smap, cr4_pke;
	unsigned maxphyaddr;     /* 0 means 52 */
	unsigned budget_pages;   /* shadow pages; 0: 2% of guest memory */
	unsigned prefetch;       /* neighbours filled per fault; UINT_MAX -> 16 */
	unsigned max_roots;      /* root cache size K; 0 -> 4 */
	unsigned nr_vcpus;       /* 0 -> 1; at most SHADOW_MAX_VCPUS */
	bool audit;              /* audit after every hypercall (hc_shadow.c) */
	unsigned audit_interval; /* ... or every Nth one (0, 1: every one) */
	/* How long a streamed fault waits for the guest's entries
	 * (UMBRA_SHADOW_FAULT_STREAM); 0 -> SHADOW_STREAM_WAIT_NS. */
	uint64_t stream_wait_ns;
};

#define SHADOW_MAX_VCPUS 64

#define SHADOW_DEFAULT_PREFETCH 16
#define SHADOW_DEFAULT_ROOTS 4
/* The guest writes a fault-around's 16 entries in microseconds; one
 * preempted meanwhile is not waited for. */
#define SHADOW_STREAM_WAIT_NS 100000

/* Counters; hypercalls by kind are indexed by UMBRA_HC_* number. */
#define SHADOW_HC_KINDS 16
struct shadow_stats {
	uint64_t faults_handled, faults_reflected, faults_spurious;
	uint64_t fills;              /* leaf entries filled by faults */
	uint64_t fills_2m;           /* ... of them 2M entries */
	uint64_t prefetched;         /* leaf entries filled by prefetch */
	uint64_t prefetch_used;      /* ... later used by the CPU (A set) */
	uint64_t prefetch_upgraded;  /* read-only neighbours made writable */
	uint64_t zaps;               /* entries zapped (leaf and link) */
	uint64_t wrprotects;         /* leaf entries made read-only */
	uint64_t sp_created, sp_evicted, sp_freed;
	uint64_t roots_created, roots_evicted, root_switches;
	uint64_t invalidations, ring_ops, tlb_flushes;
	uint64_t p2m_zaps;           /* zaps caused by p2m changes */
	uint64_t p2m_repoints;       /* entries moved by host change_pte */
	uint64_t hostile;            /* guest tables outside guest memory */
	uint64_t audit_findings;     /* bad entries found by cfg.audit */
	uint64_t audits;             /* audits run by cfg.audit */
	uint64_t audit_ns;           /* their time (CLOCK_MONOTONIC) */
	uint64_t audit_leaves;       /* present leaves they checked */
	uint64_t pin_fills;          /* pinned pages (re)filled */
	/* Fault slots (fault_slot.c): faults answered without an exit, those
	 * declined (the guest then made the hypercall), requests the guest's
	 * hypercall ended before the poll thread got to them, and zaps made
	 * while answering one (must stay 0: the answer only adds entries). */
	uint64_t slot_faults, slot_declined, slot_cancelled, slot_zaps;
	uint64_t slot_syncs;         /* queues applied from a slot */
	/* Streamed faults (UMBRA_SHADOW_FAULT_STREAM): answered, the
	 * entries they waited for the guest to write, and those whose wait
	 * ran out before the guest ended the stream. */
	uint64_t slot_streams, slot_stream_waits, slot_stream_timeouts;
	uint64_t hypercalls[SHADOW_HC_KINDS];
};

struct shadow_mmu;

struct shadow_mmu *shadow_mmu_create(const struct shadow_config *cfg,
				     struct p2m *p2m);
void shadow_mmu_destroy(struct shadow_mmu *mmu);

/* Address spaces (UMBRA_HC_SHADOW_AS_*). create: asid > 0 or -errno.
 * activate: the CR3 value to load (the shadow root's machine address) or
 * -errno. release: 0 or -errno; freed once another one is active. */
int64_t shadow_as_create(struct shadow_mmu *mmu, uint64_t guest_root_gpa);
int64_t shadow_as_activate(struct shadow_mmu *mmu, unsigned vcpu, uint32_t asid);
int shadow_as_release(struct shadow_mmu *mmu, uint32_t asid);
/* The asid vcpu runs (0 when none). */
uint32_t shadow_current_asid(const struct shadow_mmu *mmu, unsigned vcpu);

/* First-chance fault: UMBRA_SHADOW_HANDLED, or UMBRA_SHADOW_REFLECT |
 * guest error code << UMBRA_SHADOW_RESULT_EC_SHIFT, or -errno. */
int64_t shadow_page_fault(struct shadow_mmu *mmu, unsigned vcpu, uint32_t asid,
			  uint64_t gva, uint32_t error_code, unsigned flags);

/* The VMM's own fill (not counted as a guest fault): gva in the address
 * space vcpu runs, as a supervisor write where the guest allows it, else
 * a read. Used to keep the vCPU's kernel stack shadowed after a hypercall
 * (a #PF pushed onto a missing stack is a double fault). 0 or -errno. */
int shadow_prefault(struct shadow_mmu *mmu, unsigned vcpu, uint64_t gva);

/* Reads guest-physical [gpa, gpa + len) through the p2m (untouched frames
 * read as zero). 0, or -1 when it is not all guest memory. */
int shadow_read_guest(const struct shadow_mmu *mmu, uint64_t gpa, void *buf,
		      size_t len);

/* Writes buf to guest-physical [gpa, gpa + len), which must lie in one
 * frame the p2m has present and writable (the guest wrote it: a frame
 * to back, swap in or unshare is the guest's own fault's work, with the
 * flushes that go with it). 0, -EINVAL when it is not one frame of guest
 * memory, -EFAULT when that frame is not present and writable now. */
int shadow_write_guest(struct shadow_mmu *mmu, uint64_t gpa, const void *buf,
		       size_t len);

/* UMBRA_HC_SHADOW_PIN: keep [start, end) shadowed in every address space
 * (filled now in the active ones, at activation in the others, again
 * after any zap there); the shadow pages on those paths are never
 * evicted. 0 or -errno. */
int shadow_pin_range(struct shadow_mmu *mmu, uint64_t start, uint64_t end);

/* UMBRA_HC_SHADOW_INVALIDATE. end == 0 means the top of the address space. */
int shadow_invalidate_range(struct shadow_mmu *mmu, uint32_t asid,
			    uint64_t start, uint64_t end, unsigned event);

/* Host side: the p2m entries of [gfn, gfn + n) changed; zap what maps them
 * (installed as the p2m's notifier by shadow_mmu_create). */
void shadow_zap_gfn_range(struct shadow_mmu *mmu, uint64_t gfn, uint64_t n);

/*
 * Zaps from another VMM thread while vCPUs run (docs/shadow.md "Zaps from
 * other threads"). The CPU delivers a #PF through the kernel's IDT, GDT,
 * TSS and stack under the shadow: a supervisor entry zapped under a
 * running kernel (its stack) is a double fault. So such a thread takes
 * only frames in use as user pages: remote_ok says gfn is mapped by a
 * user leaf (U/S set; drain the guest's queue first, so it is not one the
 * guest already dropped), and for a move (moving: its frame changes, so
 * every mapping must go) that no supervisor 2M leaf covers its region
 * (one would take 511 neighbours, maybe a stack, with it; its 4K
 * supervisor aliases may go, the frame being a user page). zap_gfn_user
 * zaps only the user leaves of [gfn, gfn + n) (an invalidation that keeps
 * the frames: the kernel's aliases stay right). Returns the entries zapped.
 */
bool shadow_gfn_remote_ok(struct shadow_mmu *mmu, uint64_t gfn, bool moving);
unsigned shadow_zap_gfn_user(struct shadow_mmu *mmu, uint64_t gfn, uint64_t n);

/* TLB: whether a present entry of the address space vcpu runs was zapped
 * or downgraded since the last call for it (the VMM flushes that vCPU's
 * TLB before it re-enters the guest); clears the flag. Only vCPUs running
 * the address space are marked: a switch (CR3 load) flushes the others,
 * since shadow entries are never global. */
bool shadow_take_tlb_flush(struct shadow_mmu *mmu, unsigned vcpu);
/* vCPUs other than self with a flush pending: the VMM kicks them (an
 * interrupt whose handler reloads CR3), each then takes its flag. */
uint64_t shadow_pending_flushes(const struct shadow_mmu *mmu, unsigned self);
/* UMBRA_HC_SHADOW_STACK_HINT for vcpu: the u64 at gpa holds the top of
 * the kernel stack it runs on, size bytes deep. 0 or -UMBRA_EINVAL. */
int64_t shadow_set_stack_hint(struct shadow_mmu *mmu, unsigned vcpu, uint64_t gpa,
			      uint64_t size);
/* UMBRA_HC_SHADOW_KICK_FLAG for vcpu: the u64 at gpa (8-aligned, in guest
 * RAM; 0 forgets) is where shadow_raise_kick_flags stores 1. 0 or
 * -UMBRA_EINVAL. */
int64_t shadow_set_kick_flag(struct shadow_mmu *mmu, unsigned vcpu, uint64_t gpa);
/* Right after the kick of the vCPUs in mask was requested (so a guest that
 * sees the flag reads a sequence covering it), before the interrupt:
 * stores 1 in each one's kick flag, so a guest CPU that spins with
 * interrupts off sees the kick without a VM exit. A flag
 * whose frame is not present and writable is left alone (the interrupt
 * still comes). Returns how many flags were set. */
unsigned shadow_raise_kick_flags(struct shadow_mmu *mmu, uint64_t mask);
/*
 * Fault slots (fault_slot.c; UMBRA_HC_SHADOW_FAULT_SLOT). set: registers
 * vcpu's slot at gpa (128-aligned, in guest RAM; 0 forgets); 0 or
 * -UMBRA_EINVAL, or -UMBRA_EFAULT where its frame is not present and
 * writable in the p2m. answer: answers every request posted since
 * the last answer: the queue applied, then shadow entries added only (else
 * UMBRA_SHADOW_DECLINED); returns how many. cancel: ends vcpu's request not
 * claimed yet with UMBRA_SHADOW_DECLINED (any shadow hypercall of vcpu, under
 * the same lock, comes first). idle: sets every slot's idle flag to idle, then returns
 * whether a request is waiting (with idle set: do not sleep).
 */
int64_t shadow_set_fault_slot(struct shadow_mmu *mmu, unsigned vcpu, uint64_t gpa);
unsigned shadow_answer_fault_slots(struct shadow_mmu *mmu);
void shadow_cancel_fault_slot(struct shadow_mmu *mmu, unsigned vcpu);
bool shadow_fault_slots_idle(struct shadow_mmu *mmu, bool idle);
/* For a poll thread that watches the slots without the lock between
 * scans under it: watch stores the registered slots (pointers into guest
 * RAM's mapping, under the lock; slots holds SHADOW_MAX_VCPUS) and returns
 * how many, with *complete false when a registered slot's frame is not
 * present and writable (it becomes so on the guest's next touch,
 * unannounced: the watcher then looks again now and then until it has
 * every slot). posted says, from the slot alone and without the lock,
 * whether it holds a request nobody answered or ended. A pointer goes
 * stale when host memory moves, drops or write-protects the slot's frame
 * (it stays readable memory); every such change, and every registration
 * or unregistration, changes shadow_fault_slots_gen (read without the
 * lock): watch again when it differs from its value at the last watch. */
struct umbra_shadow_fault_slot;
unsigned shadow_fault_slots_watch(struct shadow_mmu *mmu,
				  const struct umbra_shadow_fault_slot **slots, bool *complete);
uint32_t shadow_fault_slots_gen(const struct shadow_mmu *mmu);
bool shadow_fault_slot_posted(const struct umbra_shadow_fault_slot *s);
/* After a call zapped in address spaces other vCPUs run (mask, e.g.
 * shadow_pending_flushes): shadows their kernel stacks again, where they
 * gave a hint, so an interrupt they take before they flush and refault
 * never pushes onto a missing page (a double fault). */
void shadow_refill_stacks(struct shadow_mmu *mmu, uint64_t mask);
/* The 2M regions of guest-physical memory (gpa >> 21) holding a page of
 * the hinted kernel stack of any vCPU but self that runs an address
 * space, at most max (SHADOW_STACK_REGIONS_PER_VCPU per vCPU: one per page
 * of the largest stack a hint may give, however its pages lie):
 * a host change made in self's hypercall within one of them may zap that
 * stack's shadow (its own entry, or the 2M direct-map entry around it)
 * while that vCPU runs, and its next push onto the stack, an interrupt or
 * a call after its own TLB flush, is then a double fault. Returns how many. */
#define SHADOW_STACK_REGIONS_PER_VCPU (UMBRA_SHADOW_STACK_HINT_MAX / 4096)
unsigned shadow_running_stack_regions(struct shadow_mmu *mmu, unsigned self,
				      uint64_t *region, unsigned max);
/* For a vCPU the guest stopped with a triple fault (whose registers KVM
 * may have reset): the address space it runs and the one it is leaving,
 * and how many pages of the pinned ranges and of its hinted kernel stack
 * their shadow tables miss (no entry at all; a read-only one is not
 * counted), as one line in buf. In a task switch the hint is already the
 * next task's stack. */
void shadow_describe_vcpu(const struct shadow_mmu *mmu, unsigned vcpu, char *buf,
			  size_t len);

/* Audit: every present shadow entry of every address space checked
 * against the guest tables and the p2m. Returns the number of bad entries;
 * each is reported through report (may be NULL). */
typedef void (*shadow_audit_report)(void *opaque, uint32_t asid, uint64_t gva,
				    unsigned level, uint64_t spte,
				    const char *why);
unsigned shadow_audit(struct shadow_mmu *mmu, shadow_audit_report report,
		      void *opaque);

/* Counters, with prefetch_used brought up to date. */
void shadow_get_stats(struct shadow_mmu *mmu, struct shadow_stats *out);
void shadow_print_stats(struct shadow_mmu *mmu, FILE *f);

/* Shadow pages in use, and the budget. */
unsigned shadow_nr_pages(const struct shadow_mmu *mmu);
unsigned shadow_budget(const struct shadow_mmu *mmu);

/* The frame pool the shadow tables live in (the vCPU walks them there). */
struct frame_pool *shadow_pool(const struct shadow_mmu *mmu);

/* Test hook: when set, invalidations are counted but do nothing, so the
 * tests can show that they catch a broken invalidate. */
extern bool shadow_debug_skip_invalidate;

#endif
