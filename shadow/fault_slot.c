/* SPDX-License-Identifier: MIT */
/*
 * Fault slots: first-chance faults and syncs answered without a VM exit
 * (UMBRA_HC_SHADOW_FAULT_SLOT, --shadow-poll; docs/shadow.md "Exitless
 * faults"). The VMM's poll thread calls shadow_answer_fault_slots under the
 * shadow lock while the vCPUs run, so a fault's answer may only add
 * entries: a zap or an eviction under a running vCPU could take the kernel
 * stack it is about to push onto (a double fault), and would need its TLB
 * flushed. What would need more (the batch queue not applied yet, a full
 * budget, a first touch or copy-on-write break in the p2m, a repointed
 * entry) is declined, and the guest makes the hypercall instead, which
 * does all of it. A sync applies the queue (user entries only), and is
 * declined when other vCPUs must be kicked.
 */
#include <stdatomic.h>

#include "hc_shadow.h"
#include "mmu_internal.h"
#include "umbra/hypercall.h"

/* The slot of vcpu when its frame is present and writable, else NULL (a
 * request there then waits for the guest's own hypercall). */
static struct umbra_shadow_fault_slot *slot_ptr(struct shadow_mmu *mmu, unsigned vcpu)
{
	uint64_t gpa = mmu->vcpu[vcpu].fault_slot_gpa, maddr;
	unsigned perms = 0;
	if (!gpa || p2m_lookup(mmu->p2m, gpa >> 12, &maddr, &perms) || !(perms & EPTE_W))
		return NULL;
	return frame_pool_ptr(mmu->pool, maddr | (gpa & 0xfff));
}

int64_t shadow_set_fault_slot(struct shadow_mmu *mmu, unsigned vcpu, uint64_t gpa)
{
	if (vcpu >= mmu->nr_vcpus || (gpa & (sizeof(struct umbra_shadow_fault_slot) - 1)) ||
	    (gpa >> 12) >= mmu->p2m->nr_gfns)
		return -UMBRA_EINVAL;
	mmu->vcpu[vcpu].fault_slot_gpa = 0;
	if (!gpa)
		return 0;
	struct umbra_shadow_fault_slot *s = p2m_writable_ptr(mmu->p2m, gpa);
	if (!s)
		return -UMBRA_ENOMEM;
	/* What the slot held before is not a request. */
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) & ~1u;
	mmu->vcpu[vcpu].slot_answered = seq;
	__atomic_store_n(&s->idle, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->done, seq, __ATOMIC_RELEASE);
	mmu->vcpu[vcpu].fault_slot_gpa = gpa;
	return 0;
}

static void answer(struct umbra_shadow_fault_slot *s, struct shadow_vcpu *vc,
		   uint32_t seq, int64_t result)
{
	s->result = result;
	__atomic_store_n(&s->done, seq, __ATOMIC_RELEASE);
	vc->slot_answered = seq;
}

/* A fault, as UMBRA_HC_SHADOW_FAULT, adding entries only. */
static int64_t slot_fault(struct shadow_mmu *mmu, unsigned vcpu,
			  const struct umbra_shadow_fault_slot *req)
{
	uint64_t a[5] = {req->addr, req->error_code, req->asid, req->flags, 0};
	if (a[1] > 0xffff)
		return -UMBRA_EINVAL;
	/* Entries are filled only after the queue is applied (the queue
	 * rule): a frame it frees may be a page table elsewhere already. */
	if (shadow_queue_pending(mmu))
		return UMBRA_SHADOW_DECLINED;
	uint64_t zaps = mmu->stats.zaps + mmu->stats.wrprotects;
	mmu->fill_only = true;
	mmu->fill_declined = false;
	int64_t r = shadow_page_fault(mmu, vcpu, (uint32_t)a[2], a[0], (uint32_t)a[1],
				      (unsigned)a[3]);
	mmu->fill_only = false;
	mmu->fill_declined = false;
	mmu->stats.slot_zaps += mmu->stats.zaps + mmu->stats.wrprotects - zaps;
	if (r != UMBRA_SHADOW_DECLINED) {
		mmu->vcpu[vcpu].faults++;
		shadow_audit_after(mmu, UMBRA_HC_SHADOW_FAULT, a);
	}
	return r;
}

/* A sync, as UMBRA_HC_SHADOW_SYNC: the queue's operations zap user
 * entries only (what another VMM thread may zap under running vCPUs,
 * docs/shadow.md), and the caller flushes after the answer. When another
 * vCPU must flush too, the hypercall kicks it and waits: declined (the
 * zaps are done, the flags stay for it). */
static int64_t slot_sync(struct shadow_mmu *mmu, unsigned vcpu)
{
	int64_t r = shadow_drain_queue(mmu);
	if (r < 0 || shadow_pending_flushes(mmu, vcpu))
		return UMBRA_SHADOW_DECLINED;
	mmu->stats.slot_syncs++;
	uint64_t a[5] = {0};
	shadow_audit_after(mmu, UMBRA_HC_SHADOW_SYNC, a);
	return shadow_take_tlb_flush(mmu, vcpu) ?
		shadow_result_flush(UMBRA_HC_SHADOW_SYNC, r) : r;
}

/* The request in s, read as a seqlock reader: false while the guest is
 * writing one (seq odd, or it moved during the read); then the next scan
 * reads it. */
static bool read_request(struct umbra_shadow_fault_slot *s, uint32_t *seq,
			 struct umbra_shadow_fault_slot *req)
{
	uint32_t s1 = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	if (s1 & 1)
		return false;
	/* Acquire loads: the second read of seq below comes after them all
	 * (a fence would do the same; TSan knows no fences). */
	*req = (struct umbra_shadow_fault_slot){
		.op = __atomic_load_n(&s->op, __ATOMIC_ACQUIRE),
		.addr = __atomic_load_n(&s->addr, __ATOMIC_ACQUIRE),
		.error_code = __atomic_load_n(&s->error_code, __ATOMIC_ACQUIRE),
		.flags = __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE),
		.asid = __atomic_load_n(&s->asid, __ATOMIC_ACQUIRE),
	};
	*seq = s1;
	return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == s1;
}

unsigned shadow_answer_fault_slots(struct shadow_mmu *mmu)
{
	unsigned n = 0;
	for (unsigned v = 0; v < mmu->nr_vcpus; v++) {
		struct shadow_vcpu *vc = &mmu->vcpu[v];
		struct umbra_shadow_fault_slot *s = slot_ptr(mmu, v), req;
		uint32_t seq;
		if (!s || __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == vc->slot_answered ||
		    !read_request(s, &seq, &req) || seq == vc->slot_answered)
			continue;
		int64_t r;
		switch (req.op) {
		case UMBRA_SHADOW_SLOT_FAULT:
			r = slot_fault(mmu, v, &req);
			break;
		case UMBRA_SHADOW_SLOT_SYNC:
			r = slot_sync(mmu, v);
			break;
		default:
			r = -UMBRA_EINVAL;
			break;
		}
		if (r == UMBRA_SHADOW_DECLINED)
			mmu->stats.slot_declined++;
		else if (req.op == UMBRA_SHADOW_SLOT_FAULT)
			mmu->stats.slot_faults++;
		answer(s, vc, seq, r);
		n++;
	}
	return n;
}

void shadow_cancel_fault_slot(struct shadow_mmu *mmu, unsigned vcpu)
{
	if (vcpu >= mmu->nr_vcpus)
		return;
	struct umbra_shadow_fault_slot *s = slot_ptr(mmu, vcpu);
	if (!s)
		return;
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	/* Odd: only a guest that writes its slot during its own hypercall. */
	if (seq == mmu->vcpu[vcpu].slot_answered || (seq & 1))
		return;
	mmu->stats.slot_cancelled++;
	answer(s, &mmu->vcpu[vcpu], seq, UMBRA_SHADOW_DECLINED);
}

bool shadow_fault_slots_idle(struct shadow_mmu *mmu, bool idle)
{
	bool pending = false;
	for (unsigned v = 0; v < mmu->nr_vcpus; v++) {
		struct umbra_shadow_fault_slot *s = slot_ptr(mmu, v);
		if (!s)
			continue;
		/* Idle first, then the request (the guest: its request, then
		 * idle): one of the two sees the other. */
		__atomic_store_n(&s->idle, idle, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&s->seq, __ATOMIC_SEQ_CST) != mmu->vcpu[v].slot_answered)
			pending = true;
	}
	return pending;
}
