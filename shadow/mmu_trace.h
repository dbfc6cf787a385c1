/* SPDX-License-Identifier: MIT */
/*
 * MMU event tracing (docs/trace.md): a ring of the last N events of the
 * shadow MMU and the host-memory layer, each with a timestamp, the vCPU on
 * whose behalf it happened and two addresses. Off by default; a trace point
 * costs one test of mmu->trace when off. Read as JSON (in dumps and from the
 * control socket), shown by tools/umbra-trace.
 */
#ifndef UMBRA_SHADOW_MMU_TRACE_H
#define UMBRA_SHADOW_MMU_TRACE_H

#include <stdint.h>
#include <stdio.h>

struct shadow_mmu;

/* Event kinds, and what a and b hold. */
enum mmu_trace_type {
	TRACE_FAULT = 1,        /* first-chance fault: a = address, b = error code */
	TRACE_FILL,             /* leaf filled by a fault: a = address, b = the entry */
	TRACE_PREFETCH,         /* leaf filled by prefetch: a = address, b = the entry */
	TRACE_ZAP,              /* entry zapped: a = gfn of its shadow page, b = index | level << 16 */
	TRACE_INVALIDATE_START, /* guest invalidation: a = start, b = end; arg = event */
	TRACE_INVALIDATE_END,   /* ... done: same a, b, arg */
	TRACE_CHANGE_PTE,       /* host changed p2m entries: a = gfn, b = count */
	TRACE_EVICT,            /* shadow page evicted under the budget: a = its gfn, b = level */
	/* The host-memory layer (shadow/host_mem.c, vmm/uffd_mem.c): */
	TRACE_SWAP_OUT,         /* reclaim: a = gfn, b = swap slot (~0: an all-zero frame dropped) */
	TRACE_SWAP_IN,          /* swapped frame read back: a = gfn, b = swap slot */
	TRACE_BALLOON_INFLATE,  /* guest gave frames back: a = first gfn, b = count */
	TRACE_BALLOON_DEFLATE,  /* ... and took them back: a = first gfn, b = count */
	TRACE_MERGE,            /* dedup merge: a = gfn, b = the gfn it now shares with */
	TRACE_UNSHARE,          /* a write broke a sharing: a = gfn, b = its new machine address */
	TRACE_MIGRATE,          /* frame moved: a = gfn, b = its new machine address */
	TRACE_UFFD_FAULT,       /* userfaultfd missing fault: a = guest-physical, b = how served
				 * (0 zero page, 1 swap-in, 2 already there) */
	TRACE_UFFD_REMOVE,      /* userfaultfd REMOVE/UNMAP/REMAP event: a = guest-physical,
				 * b = bytes; arg = 1 when it was announced (not the VMM's own) */
	TRACE_ROOT_SWITCH,      /* AS_ACTIVATE: a = asid, b = its root's machine address;
				 * arg = the asid the vCPU leaves (0: none) */
	TRACE_AS_RELEASE,       /* address space released: a = asid, b = 1 while a vCPU
				 * still runs or leaves it (freed later), 0 freed now */
	TRACE_NR
};

#define TRACE_DEFAULT_EVENTS 4096
#define TRACE_MAX_EVENTS (1u << 20)

struct mmu_trace_rec {
	uint64_t ns;   /* tsc_clock_ns() */
	uint16_t type, vcpu;
	uint32_t asid;
	uint32_t arg;
	uint64_t a, b;
};

struct mmu_trace {
	struct mmu_trace_rec *ring;
	uint64_t size, head;   /* head: events recorded so far */
	uint64_t start_ns;
	unsigned vcpu;         /* whose behalf events happen on now */
};

/* A ring of events (0: the default), on its own: tdp mode keeps one for
 * its host-memory events. NULL with *err = -ENOMEM / -EINVAL. */
struct mmu_trace *mmu_trace_new(unsigned events, int *err);
void mmu_trace_free(struct mmu_trace *t);
/* Records one event on behalf of t->vcpu (t may be NULL: nothing). */
void mmu_trace_record(struct mmu_trace *t, unsigned type, uint32_t asid,
		      uint64_t a, uint64_t b, uint32_t arg);
/* As shadow_trace_json, for t (NULL: not enabled). */
void mmu_trace_json(const struct mmu_trace *t, FILE *f);

/* Starts (or restarts, emptied) a ring of events (0: the default). 0 or
 * -ENOMEM / -EINVAL. */
int shadow_trace_start(struct shadow_mmu *mmu, unsigned events);
void shadow_trace_stop(struct shadow_mmu *mmu);
/* The vCPU the next events are for (the hypercall layer sets it). */
void shadow_trace_set_vcpu(struct shadow_mmu *mmu, unsigned vcpu);
/* Records one event (nothing when tracing is off): shadow_trace, for
 * callers outside shadow/ (mmu_internal.h has the inline one). */
void shadow_trace_event(struct shadow_mmu *mmu, unsigned type, uint32_t asid,
			uint64_t a, uint64_t b, uint32_t arg);
/* {"enabled":B,"size":N,"recorded":N,"dropped":N,"events":[...]}; the ring
 * is kept. */
void shadow_trace_json(const struct shadow_mmu *mmu, FILE *f);
const char *shadow_trace_name(unsigned type);

#endif
