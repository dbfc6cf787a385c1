/* SPDX-License-Identifier: MIT */
/* The shadow-mode hypercalls (see hc_shadow.h and docs/hypercalls.md). */
#include "hc_shadow.h"

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "mmu_internal.h"
#include "umbra/hypercall.h"

bool shadow_is_hypercall(uint64_t nr)
{
	return nr >= UMBRA_HC_SHADOW_FAULT && nr <= UMBRA_HC_SHADOW_PIN;
}

/* Applies the queued operations. Returns how many, or -UMBRA_EINVAL when
 * the guest's head is more than a ring ahead (then the queue is reset to
 * the head: those operations are lost to the guest that broke the ring,
 * which can only hurt itself, never the VMM). */
static int64_t drain_ring(struct shadow_mmu *mmu, shadow_op_applied_fn applied, void *opaque)
{
	if (!mmu->ring_gpa)
		return 0;
	struct umbra_shadow_ring *ring = p2m_writable_ptr(mmu->p2m, mmu->ring_gpa);
	if (!ring)
		return -UMBRA_EFAULT;
	uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
	uint32_t n = head - mmu->ring_tail;
	int64_t done = 0;
	if (n > UMBRA_SHADOW_RING_SIZE) {
		mmu->ring_tail = head;
		__atomic_store_n(&ring->tail, head, __ATOMIC_RELEASE);
		return -UMBRA_EINVAL;
	}
	for (; mmu->ring_tail != head; mmu->ring_tail++, done++) {
		/* Read each field once: the guest may be writing. */
		volatile struct umbra_shadow_op *op =
			&ring->ops[mmu->ring_tail % UMBRA_SHADOW_RING_SIZE];
		uint64_t start = op->start, end = op->end;
		uint32_t asid = op->asid, event = op->event;
		shadow_invalidate_range(mmu, asid, start, end, event);
		mmu->stats.ring_ops++;
		if (applied)
			applied(opaque, asid, start, end, event);
	}
	/* Nothing drained (most faults): no store to the page the guest's
	 * CPU is writing. */
	if (done)
		__atomic_store_n(&ring->tail, mmu->ring_tail, __ATOMIC_RELEASE);
	return done;
}

int64_t shadow_drain_queue(struct shadow_mmu *mmu)
{
	return drain_ring(mmu, NULL, NULL);
}

int64_t shadow_drain_queue_each(struct shadow_mmu *mmu, shadow_op_applied_fn applied,
				void *opaque)
{
	return drain_ring(mmu, applied, opaque);
}

static int64_t set_queue(struct shadow_mmu *mmu, uint64_t gpa)
{
	if (gpa == 0) {
		mmu->ring_gpa = 0;
		return 0;
	}
	if ((gpa & 0xfff) || (gpa >> 12) >= mmu->p2m->nr_gfns)
		return -UMBRA_EINVAL;
	struct umbra_shadow_ring *ring = p2m_writable_ptr(mmu->p2m, gpa);
	if (!ring)
		return -UMBRA_ENOMEM;
	mmu->ring_gpa = gpa;
	mmu->ring_tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
	return 0;
}

/* The first findings of --audit are printed; all are counted. */
static void audit_print(void *opaque, uint32_t asid, uint64_t gva,
			unsigned level, uint64_t spte, const char *why)
{
	struct shadow_mmu *mmu = opaque;
	if (mmu->stats.audit_findings++ < 20)
		fprintf(stderr, "umbra: shadow audit: asid %#x address %#llx level %u "
			"entry %#llx: %s\n", asid, (unsigned long long)gva, level,
			(unsigned long long)spte, why);
}

/* Whether the guest's tables agree with what it announced when this call
 * comes. With one vCPU, always. With several, a call from a CPU that runs
 * without the guest's big kernel lock (a TLB-flush IPI's switch, a kernel
 * fault in such a handler) may come while the lock's holder is in the
 * middle of a change whose invalidation it has not queued yet: only a
 * SYNC and a user-mode fault are made under the lock, between changes. */
static bool audit_point(const struct shadow_mmu *mmu, uint64_t nr, const uint64_t a[5])
{
	return mmu->nr_vcpus == 1 || nr == UMBRA_HC_SHADOW_SYNC ||
	       (nr == UMBRA_HC_SHADOW_FAULT && (a[1] & PFERR_U));
}

int64_t shadow_hypercall(struct shadow_mmu *mmu, unsigned vcpu, uint64_t nr,
			 const uint64_t a[5], bool *flush)
{
	int64_t ret;

	if (nr < SHADOW_HC_KINDS)
		mmu->stats.hypercalls[nr]++;
	if (vcpu < mmu->nr_vcpus) {
		mmu->vcpu[vcpu].hypercalls++;
		mmu->vcpu[vcpu].faults += nr == UMBRA_HC_SHADOW_FAULT;
	}
	/* Every synchronous call sees the queued operations applied first. */
	mmu_vcpu_settled(mmu, vcpu);
	mmu_vcpu_flushed(mmu, vcpu);
	int64_t drained = drain_ring(mmu, NULL, NULL);
	/* Pins a fault slot's answer could not refill without an eviction. */
	mmu_fill_active_pins(mmu);

	switch (nr) {
	case UMBRA_HC_SHADOW_FAULT:
		if (a[1] > 0xffff || a[2] > UINT32_MAX)
			ret = -UMBRA_EINVAL;
		else
			ret = shadow_page_fault(mmu, vcpu, (uint32_t)a[2], a[0],
						(uint32_t)a[1], (unsigned)a[3]);
		break;
	case UMBRA_HC_SHADOW_AS_CREATE:
		ret = shadow_as_create(mmu, a[0]);
		break;
	case UMBRA_HC_SHADOW_AS_ACTIVATE:
		ret = a[0] > UINT32_MAX ? -UMBRA_EINVAL :
			shadow_as_activate(mmu, vcpu, (uint32_t)a[0]);
		break;
	case UMBRA_HC_SHADOW_AS_RELEASE:
		ret = a[0] > UINT32_MAX ? -UMBRA_EINVAL :
			shadow_as_release(mmu, (uint32_t)a[0]);
		break;
	case UMBRA_HC_SHADOW_INVALIDATE:
		ret = (a[0] > UINT32_MAX || a[3] > UINT32_MAX) ? -UMBRA_EINVAL :
			shadow_invalidate_range(mmu, (uint32_t)a[0], a[1], a[2],
						(unsigned)a[3]);
		break;
	case UMBRA_HC_SHADOW_QUEUE:
		ret = set_queue(mmu, a[0]);
		break;
	case UMBRA_HC_SHADOW_SYNC:
		ret = drained;
		break;
	case UMBRA_HC_SHADOW_PIN:
		ret = shadow_pin_range(mmu, a[0], a[1]);
		break;
	default:
		ret = -UMBRA_ENOSYS;
		break;
	}
	shadow_audit_after(mmu, nr, a);
	/* A zap during this call is flushed before the vCPU runs again. */
	*flush = shadow_take_tlb_flush(mmu, vcpu);
	return *flush ? shadow_result_flush(nr, ret) : ret;
}

void shadow_audit_after(struct shadow_mmu *mmu, uint64_t nr, const uint64_t a[5])
{
	if (mmu->cfg.audit && audit_point(mmu, nr, a) &&
	    (mmu->audit_countdown == 0 || --mmu->audit_countdown == 0)) {
		mmu->audit_countdown = mmu->cfg.audit_interval;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		shadow_audit(mmu, audit_print, mmu);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		mmu->stats.audits++;
		mmu->stats.audit_ns += (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull +
				       (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
	}
}

int64_t shadow_result_flush(uint64_t nr, int64_t ret)
{
	/* An error tells the guest to flush anyway; AS_ACTIVATE returns the
	 * CR3 the guest loads, which flushes. */
	if (ret < 0 || nr == UMBRA_HC_SHADOW_AS_ACTIVATE)
		return ret;
	return (int64_t)((uint64_t)ret | UMBRA_SHADOW_FLUSH);
}
