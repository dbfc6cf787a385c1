/* SPDX-License-Identifier: MIT */
/*
 * Fault slots: first-chance faults and syncs answered without a VM exit
 * (UMBRA_HC_SHADOW_FAULT_SLOT, --shadow-poll; docs/shadow.md "Exitless
 * faults"). The VMM's poll thread calls shadow_answer_fault_slots under the
 * shadow lock while the vCPUs run, so a fault's answer may only add
 * entries: a zap or an eviction under a running vCPU could take the kernel
 * stack it is about to push onto (a double fault), and would need its TLB
 * flushed. What would need more (a full budget, a first touch or
 * copy-on-write break in the p2m, a repointed entry) is declined, and the
 * guest makes the hypercall instead, which does all of it. Both a fault
 * and a sync apply the batch queue first (it zaps user entries only), and
 * are declined when other vCPUs must then be kicked, or when the pins that
 * queue made stale could not be refilled without room. A request is
 * claimed (done = seq - 1) before it is answered, so
 * a guest that gives up waiting ends it with one compare-and-exchange, or
 * learns that the answer is coming.
 */
#include <stdatomic.h>

#include "hc_shadow.h"
#include "mmu_internal.h"
#include "umbra/hypercall.h"

/* The slot of vcpu when its frame is present and writable, else NULL (a
 * request there then waits for the guest's own hypercall). */
static struct umbra_shadow_fault_slot *slot_ptr(struct shadow_mmu *mmu, unsigned vcpu)
{
	uint64_t gpa = mmu->vcpu[vcpu].fault_slot_gpa;
	return gpa ? p2m_present_writable_ptr(mmu->p2m, gpa) : NULL;
}

int64_t shadow_set_fault_slot(struct shadow_mmu *mmu, unsigned vcpu, uint64_t gpa)
{
	if (vcpu >= mmu->nr_vcpus || (gpa & (sizeof(struct umbra_shadow_fault_slot) - 1)) ||
	    (gpa >> 12) >= mmu->p2m->nr_gfns)
		return -UMBRA_EINVAL;
	mmu_fault_slots_changed(mmu);
	mmu->vcpu[vcpu].fault_slot_gpa = 0;
	if (!gpa)
		return 0;
	/* Only a frame present and writable: backing or unsharing it here
	 * would change the p2m and zap what mapped the old frame, and this
	 * call hands no flush back (the guest's slot is in its pinned image,
	 * which host memory never takes back or merges). */
	struct umbra_shadow_fault_slot *s = p2m_present_writable_ptr(mmu->p2m, gpa);
	if (!s)
		return -UMBRA_EFAULT;
	/* What the slot held before is not a request. */
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) & ~1u;
	mmu->vcpu[vcpu].slot_answered = seq;
	__atomic_store_n(&s->idle, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->done, seq, __ATOMIC_RELEASE);
	mmu->vcpu[vcpu].fault_slot_gpa = gpa;
	return 0;
}

/* Takes request seq from the guest: done moves from seq - 2 (where every
 * earlier request left it: answered, ended by a hypercall, or given up by
 * the guest) to seq - 1 (odd: being answered). False when the guest ended
 * this request first (done = seq: it gave up waiting) or broke the slot. */
static bool claim(struct umbra_shadow_fault_slot *s, struct shadow_vcpu *vc, uint32_t seq)
{
	uint32_t expect = seq - 2;
	bool ok = __atomic_compare_exchange_n(&s->done, &expect, seq - 1, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	vc->slot_answered = seq;
	return ok;
}

static void answer(struct umbra_shadow_fault_slot *s, uint32_t seq, int64_t result)
{
	s->result = result;
	__atomic_store_n(&s->done, seq, __ATOMIC_RELEASE);
}

/*
 * What the caller must flush after an answer. The queue's operations on
 * the address space it runs (or on every one) are recorded as ranges: when
 * its flush flag was clear before and only they set it, INVLPG of those
 * pages is enough (UMBRA_SHADOW_FLUSH_RANGES), where a whole flush would
 * make the CPU refill every translation (costly nested). Anything else
 * that sets the flag, or too many pages, means a whole flush.
 */
struct slot_flush {
	struct shadow_mmu *mmu;
	unsigned vcpu;
	bool whole;       /* a whole flush is needed if any */
	bool flag;        /* the vCPU's flush flag after the last operation */
	unsigned n;
	uint64_t pages;
	struct { uint64_t start, pages; } r[UMBRA_SHADOW_SLOT_FLUSH_RANGES];
};

static void record_op(void *opaque, uint32_t asid, uint64_t start, uint64_t end,
		      unsigned event)
{
	struct slot_flush *f = opaque;
	const struct shadow_vcpu *vc = &f->mmu->vcpu[f->vcpu];
	bool mine = vc->current && (asid == vc->current->asid || asid == UMBRA_SHADOW_ASID_ALL);
	bool set_here = vc->tlb_flush && !f->flag;
	f->flag = vc->tlb_flush;
	if (!mine) {
		f->whole |= set_here; /* e.g. the address space it is leaving */
		return;
	}
	uint64_t first = start >> 12, last = (end - 1) >> 12;
	if (event == UMBRA_SHADOW_EV_RELEASE || end <= start ||
	    f->n == UMBRA_SHADOW_SLOT_FLUSH_RANGES ||
	    last - first + 1 > UMBRA_SHADOW_SLOT_FLUSH_PAGES - f->pages) {
		f->whole = true;
		return;
	}
	f->r[f->n].start = first << 12;
	f->r[f->n].pages = last - first + 1;
	f->pages += last - first + 1;
	f->n++;
}

/* Applies the guest's queue, as every shadow hypercall does first (the
 * queue rule: a frame an operation freed may be a page table elsewhere
 * already). Its operations zap user entries only, what another VMM thread
 * may zap under running vCPUs (docs/shadow.md); the caller flushes after
 * the answer. False when another vCPU must flush too (the hypercall kicks
 * it and waits; the zaps are done, the flags stay for it), or when a pin
 * refill it caused could not be done by adding entries (the hypercall
 * refills the pins). */
static bool slot_drain(struct shadow_mmu *mmu, unsigned vcpu, struct slot_flush *f)
{
	*f = (struct slot_flush){.mmu = mmu, .vcpu = vcpu, .flag = mmu->vcpu[vcpu].tlb_flush};
	f->whole = f->flag;
	/* A zap on a pinned path (a root freed, a queued kernel range)
	 * refills the pins, adding entries only: where that would evict
	 * (it may take a kernel stack under a running vCPU) the pins stay
	 * stale and the hypercall refills them. */
	mmu->fill_only = true;
	bool ok = shadow_drain_queue_each(mmu, record_op, f) >= 0;
	bool declined = mmu->fill_declined;
	mmu->fill_only = false;
	mmu->fill_declined = false;
	return ok && !declined && !shadow_pending_flushes(mmu, vcpu) && !mmu_pins_stale(mmu);
}

/* The answer with the caller's flush: the recorded pages when they are
 * all it needs, else a whole flush. */
static int64_t with_flush(struct shadow_mmu *mmu, unsigned vcpu, uint64_t nr, int64_t r,
			  struct slot_flush *f, struct umbra_shadow_fault_slot *s)
{
	if (!shadow_take_tlb_flush(mmu, vcpu))
		return r;
	if (f->whole || f->n == 0)
		return shadow_result_flush(nr, r);
	for (unsigned i = 0; i < UMBRA_SHADOW_SLOT_FLUSH_RANGES; i++) {
		s->flush[i].start = i < f->n ? f->r[i].start : 0;
		s->flush[i].pages = i < f->n ? f->r[i].pages : 0;
	}
	return (int64_t)((uint64_t)r | UMBRA_SHADOW_FLUSH_RANGES);
}

/* A fault, as UMBRA_HC_SHADOW_FAULT: the queue applied, then entries
 * added only. An error is left to the hypercall, which also flushes. */
static int64_t slot_fault(struct shadow_mmu *mmu, unsigned vcpu,
			  const struct umbra_shadow_fault_slot *req, uint32_t seq,
			  struct umbra_shadow_fault_slot *s)
{
	bool stream = req->flags & UMBRA_SHADOW_FAULT_STREAM;
	uint64_t a[5] = {req->addr, req->error_code, req->asid,
			 req->flags & ~UMBRA_SHADOW_FAULT_STREAM, 0};
	struct slot_flush f;
	/* A stream is for a user read or fetch. */
	if (a[1] > 0xffff || (stream && (a[1] & PFERR_W)) || !slot_drain(mmu, vcpu, &f))
		return UMBRA_SHADOW_DECLINED;
	uint64_t zaps = mmu->stats.zaps + mmu->stats.wrprotects;
	mmu->fill_only = true;
	mmu->fill_declined = false;
	if (stream)
		mmu_stream_begin(mmu, s, seq);
	int64_t r = shadow_page_fault(mmu, vcpu, (uint32_t)a[2], a[0], (uint32_t)a[1],
				      (unsigned)a[3]);
	mmu->stream = NULL;
	mmu->fill_only = false;
	mmu->fill_declined = false;
	uint64_t zapped = mmu->stats.zaps + mmu->stats.wrprotects - zaps;
	mmu->stats.slot_zaps += zapped;
	f.whole |= zapped != 0;
	if (r < 0 || r == UMBRA_SHADOW_DECLINED)
		return UMBRA_SHADOW_DECLINED;
	mmu->vcpu[vcpu].faults++;
	shadow_audit_after(mmu, UMBRA_HC_SHADOW_FAULT, a);
	return with_flush(mmu, vcpu, UMBRA_HC_SHADOW_FAULT, r, &f, s);
}

/* A sync, as UMBRA_HC_SHADOW_SYNC (its count is 0: the guest only
 * checks for errors). */
static int64_t slot_sync(struct shadow_mmu *mmu, unsigned vcpu,
			 struct umbra_shadow_fault_slot *s)
{
	struct slot_flush f;
	if (!slot_drain(mmu, vcpu, &f))
		return UMBRA_SHADOW_DECLINED;
	mmu->stats.slot_syncs++;
	uint64_t a[5] = {0};
	shadow_audit_after(mmu, UMBRA_HC_SHADOW_SYNC, a);
	return with_flush(mmu, vcpu, UMBRA_HC_SHADOW_SYNC, 0, &f, s);
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
		if (!claim(s, vc, seq)) {
			mmu->stats.slot_cancelled++;
			continue;
		}
		mmu_vcpu_flushed(mmu, v);
		int64_t r;
		switch (req.op) {
		case UMBRA_SHADOW_SLOT_FAULT:
			r = slot_fault(mmu, v, &req, seq, s);
			break;
		case UMBRA_SHADOW_SLOT_SYNC:
			r = slot_sync(mmu, v, s);
			break;
		default:
			r = -UMBRA_EINVAL;
			break;
		}
		if (r == UMBRA_SHADOW_DECLINED)
			mmu->stats.slot_declined++;
		else if (req.op == UMBRA_SHADOW_SLOT_FAULT)
			mmu->stats.slot_faults++;
		answer(s, seq, r);
		n++;
	}
	return n;
}

unsigned shadow_fault_slots_watch(struct shadow_mmu *mmu,
				  const struct umbra_shadow_fault_slot **slots, bool *complete)
{
	unsigned n = 0;
	*complete = true;
	for (unsigned v = 0; v < mmu->nr_vcpus; v++) {
		const struct umbra_shadow_fault_slot *s = slot_ptr(mmu, v);
		if (s)
			slots[n++] = s;
		else if (mmu->vcpu[v].fault_slot_gpa)
			*complete = false;
	}
	return n;
}

uint32_t shadow_fault_slots_gen(const struct shadow_mmu *mmu)
{
	return __atomic_load_n(&mmu->fault_slots_gen, __ATOMIC_ACQUIRE);
}

bool shadow_fault_slot_posted(const struct umbra_shadow_fault_slot *s)
{
	/* Every request the thread answered, or the guest or a hypercall
	 * ended, left done at its seq; a claimed one is seq - 1. */
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	return !(seq & 1) && __atomic_load_n(&s->done, __ATOMIC_ACQUIRE) != seq;
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
	if (claim(s, &mmu->vcpu[vcpu], seq))
		answer(s, seq, UMBRA_SHADOW_DECLINED);
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
		uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_SEQ_CST);
		/* Odd: half written, by a guest that stopped there. */
		if (seq != mmu->vcpu[v].slot_answered && !(seq & 1))
			pending = true;
	}
	return pending;
}
