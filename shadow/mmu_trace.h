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
	TRACE_RECLAIM,          /* host reclaim: a = gfn, b = count (host-memory layer) */
	TRACE_BALLOON,          /* balloon: a = gfn, b = count (host-memory layer) */
	TRACE_UFFD_FAULT,       /* userfaultfd fault: a = guest-physical, b = flags */
	TRACE_NR
};

#define TRACE_DEFAULT_EVENTS 4096
#define TRACE_MAX_EVENTS (1u << 20)

struct mmu_trace_rec {
	uint64_t ns;   /* CLOCK_MONOTONIC */
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

/* Starts (or restarts, emptied) a ring of events (0: the default). 0 or
 * -ENOMEM / -EINVAL. */
int shadow_trace_start(struct shadow_mmu *mmu, unsigned events);
void shadow_trace_stop(struct shadow_mmu *mmu);
/* The vCPU the next events are for (the hypercall layer sets it). */
void shadow_trace_set_vcpu(struct shadow_mmu *mmu, unsigned vcpu);
/* Records one event (nothing when tracing is off). */
void shadow_trace(struct shadow_mmu *mmu, unsigned type, uint32_t asid,
		  uint64_t a, uint64_t b, uint32_t arg);
/* {"enabled":B,"size":N,"recorded":N,"dropped":N,"events":[...]}; the ring
 * is kept. */
void shadow_trace_json(const struct shadow_mmu *mmu, FILE *f);
const char *shadow_trace_name(unsigned type);

#endif
