/* SPDX-License-Identifier: MIT */
/* The hypercall dispatcher. */
#include "hypercall.h"

#include <string.h>

#include "../shadow/hc_shadow.h"
#include "../shadow/mmu.h"
#include "../shadow/mmu_trace.h"
#include "shadow_kick.h"
#include "shadow_poll.h"

void hc_init(struct hc_state *hc, const struct guest_mem *mem, struct stats *stats)
{
	hc->mem = mem;
	hc->stats = stats;
	atomic_init(&hc->boot_ns, -1);
	pthread_mutex_init(&hc->unknown_lock, NULL);
	hc->shadow = NULL;
	hc->balloon = NULL;
	hc->after_shadow = NULL;
	hc->after_answers = NULL;
	hc->dedup_merges = NULL;
	hc->host_mem = NULL;
	hc->kick = NULL;
	hc->poll = NULL;
	pthread_mutex_init(&hc->shadow_lock, NULL);
	hc->nunknown = 0;
	hc->dump = NULL;
	hc->dump_opaque = NULL;
	hc->kvm_stat = NULL;
	hc->kvm_stat_opaque = NULL;
	hc->start_cpu = NULL;
	hc->start_cpu_opaque = NULL;
}

void hc_destroy(struct hc_state *hc)
{
	pthread_mutex_destroy(&hc->unknown_lock);
	pthread_mutex_destroy(&hc->shadow_lock);
}

void hc_set_shadow(struct hc_state *hc, struct shadow_mmu *mmu)
{
	hc->shadow = mmu;
}

/* Whether nr is new among the tracked unknown numbers (then remembered).
 * Past HC_UNKNOWN_TRACKED numbers, nothing more is logged: a guest trying
 * every number must not flood stderr. */
static bool first_unknown(struct hc_state *hc, uint64_t nr)
{
	bool first = false;
	pthread_mutex_lock(&hc->unknown_lock);
	unsigned int i = 0;
	while (i < hc->nunknown && hc->unknown[i] != nr)
		i++;
	if (i == hc->nunknown && i < HC_UNKNOWN_TRACKED) {
		hc->unknown[hc->nunknown++] = nr;
		first = true;
	}
	pthread_mutex_unlock(&hc->unknown_lock);
	return first;
}

/* A call this VM does not offer (or no number at all): -ENOSYS, counted,
 * logged the first time. */
static void refuse_unknown(struct hc_state *hc, uint64_t nr, struct hc_outcome *out)
{
	stats_inc(&hc->stats->hypercalls_unknown);
	out->log_unknown = first_unknown(hc, nr);
	out->ret = (uint64_t)-UMBRA_ENOSYS;
}

int64_t hc_boot_ns(struct hc_state *hc)
{
	return atomic_load(&hc->boot_ns);
}

/* Copies the panic message out of guest memory, if it is all in RAM. */
static void read_message(struct hc_state *hc, uint64_t gpa, uint64_t len,
			 struct hc_outcome *out)
{
	static __thread char copy[UMBRA_HC_PANIC_MAX];
	const char *src = NULL;
	if (len <= UMBRA_HC_PANIC_MAX && hc->shadow) {
		/* Guest-physical memory is behind the p2m. */
		pthread_mutex_lock(&hc->shadow_lock);
		if (shadow_read_guest(hc->shadow, gpa, copy, len) == 0)
			src = copy;
		pthread_mutex_unlock(&hc->shadow_lock);
	} else if (len <= UMBRA_HC_PANIC_MAX) {
		src = guest_mem_hva(hc->mem, gpa, len);
	}
	out->message_ok = src != NULL;
	out->message[0] = '\0';
	if (!src)
		return;
	/* The guest may change the buffer while we copy: read each byte once,
	 * then work on the copy. */
	size_t n = 0;
	for (; n < len; n++) {
		char c = ((const volatile char *)src)[n];
		if (c == '\0')
			break;
		out->message[n] = c;
	}
	/* A trailing newline is the guest's line end, not part of the text. */
	while (n && (out->message[n - 1] == '\n' || out->message[n - 1] == '\r'))
		n--;
	for (size_t i = 0; i < n; i++)
		if (out->message[i] < 0x20 || out->message[i] == 0x7f)
			out->message[i] = '?';
	out->message[n] = '\0';
}

/* How long a vCPU's hypercall waits for the vCPUs it kicked; then it goes
 * on (it frees nothing that depends on them: its zaps are done). */
#define HC_KICK_WAIT_MS 10000

/* Under the shadow lock, after a call's zaps: the other vCPUs that may
 * cache a zapped entry get their kernel stacks shadowed again and are
 * asked to flush (DESIGN.md: a zap done during a vCPU's hypercall is
 * flushed everywhere before that hypercall returns). Returns their mask;
 * ticket gets what each must acknowledge. */
static uint64_t remote_flush_request(struct hc_state *hc, unsigned int vcpu, uint64_t nr,
				     struct hc_outcome *out, uint64_t *ticket)
{
	uint64_t others = shadow_pending_flushes(hc->shadow, vcpu);
	if (others)
		shadow_refill_stacks(hc->shadow, others);
	/* A refill may evict: the caller's own flag again (a balloon call,
	 * nr 0, is always followed by the guest's flush). */
	if (nr && shadow_take_tlb_flush(hc->shadow, vcpu) && !out->flush_tlb) {
		out->flush_tlb = true;
		out->ret = (uint64_t)shadow_result_flush(nr, (int64_t)out->ret);
	}
	out->kick_mask = shadow_pending_flushes(hc->shadow, vcpu);
	if (!out->kick_mask || !hc->kick)
		return 0;
	/* The request first: a guest that sees the flag then reads a sequence
	 * that covers this kick, with or without the lock. */
	uint64_t mask = shadow_kick_request(hc->kick, out->kick_mask, ticket);
	shadow_raise_kick_flags(hc->shadow, mask);
	return mask;
}

/* Without the shadow lock: kicks them and waits for their flushes. */
static void remote_flush_wait(struct hc_state *hc, unsigned int vcpu, uint64_t mask,
			      const uint64_t *ticket)
{
	if (!mask)
		return;
	shadow_kick_count_wait(hc->kick, vcpu);
	shadow_kick_wait(hc->kick, mask, ticket, HC_KICK_WAIT_MS);
}

void hc_dispatch(struct hc_state *hc, const struct hc_call *call,
		 struct hc_outcome *out)
{
	hc_dispatch_vcpu(hc, 0, call, out);
}

void hc_dispatch_vcpu(struct hc_state *hc, unsigned int vcpu,
		      const struct hc_call *call, struct hc_outcome *out)
{
	hc_dispatch_vcpu_rsp(hc, vcpu, call, 0, out);
}

void hc_dispatch_vcpu_rsp(struct hc_state *hc, unsigned int vcpu,
			  const struct hc_call *call, uint64_t rsp,
			  struct hc_outcome *out)
{
	out->action = HC_RETURN;
	out->ret = 0;
	out->status = 0;
	out->log_unknown = false;
	out->flush_tlb = false;
	out->kick_mask = 0;
	out->message_ok = false;
	out->message[0] = '\0';
	stats_count_hypercall(hc->stats, call->nr);
	if (hc->poll)
		shadow_poll_note_activity(hc->poll);
	const uint64_t *a = call->args;
	if (hc->shadow && shadow_is_hypercall(call->nr)) {
		uint64_t ticket[SHADOW_KICK_MAX_VCPUS], mask = 0;
		/* The guest makes hypercalls while the slots are idle. */
		if (hc->poll)
			shadow_poll_wake(hc->poll);
		/* Not in the guest until this returns: a kick asked of it
		 * meanwhile is answered by this call's result. */
		if (hc->kick)
			shadow_kick_enter(hc->kick, vcpu);
		/* shadow/hc_shadow.c checks every argument. */
		pthread_mutex_lock(&hc->shadow_lock);
		/* This exit comes after the flush the last result asked for. */
		if (hc->kick)
			shadow_kick_confirm(hc->kick, vcpu);
		/* A request the guest posted in its slot and no longer waits
		 * for ends here: answered at most once, never later (a late
		 * sync would take a flush flag the guest never sees). */
		shadow_cancel_fault_slot(hc->shadow, vcpu);
		shadow_trace_set_vcpu(hc->shadow, vcpu);
		out->ret = (uint64_t)shadow_hypercall(hc->shadow, vcpu, call->nr,
						      a, &out->flush_tlb);
		/* Host-memory changes happen here, inside the call: their
		 * zaps are reported with its flush flag, below. */
		if (hc->after_shadow) {
			hc->after_shadow(hc->host_mem, vcpu);
			/* It may have dropped the lock meanwhile. */
			shadow_trace_set_vcpu(hc->shadow, vcpu);
		}
		/* Keep the kernel stack under the caller's RSP shadowed: the
		 * call may have evicted it, or switched the address space. */
		if (rsp) {
			shadow_prefault(hc->shadow, vcpu, rsp - 8);
			shadow_prefault(hc->shadow, vcpu, rsp - 1024);
		}
		/* The refill or host memory may have zapped or evicted: the
		 * guest flushes then too. */
		if (shadow_take_tlb_flush(hc->shadow, vcpu)) {
			out->flush_tlb = true;
			out->ret = (uint64_t)shadow_result_flush(call->nr, (int64_t)out->ret);
		}
		mask = remote_flush_request(hc, vcpu, call->nr, out, ticket);
		/* The guest flushes after this result before its next exit:
		 * that covers every kick asked of it so far. */
		if (hc->kick && (out->flush_tlb || (int64_t)out->ret < 0 ||
				 call->nr == UMBRA_HC_SHADOW_AS_ACTIVATE))
			shadow_kick_promise(hc->kick, vcpu);
		pthread_mutex_unlock(&hc->shadow_lock);
		remote_flush_wait(hc, vcpu, mask, ticket);
		if (hc->kick && shadow_kick_leave(hc->kick, vcpu)) {
			/* Another vCPU zapped what this one may cache while
			 * it was here: its result carries the flush. */
			out->flush_tlb = true;
			out->ret = (uint64_t)shadow_result_flush(call->nr, (int64_t)out->ret);
			pthread_mutex_lock(&hc->shadow_lock);
			if (shadow_kick_idle(hc->kick, vcpu))
				shadow_take_tlb_flush(hc->shadow, vcpu);
			pthread_mutex_unlock(&hc->shadow_lock);
		}
		return;
	}
	switch (call->nr) {
	case UMBRA_HC_EXIT:
		out->action = HC_EXIT;
		/* A status beyond 0..255 is cut as Linux's exit() does. */
		out->status = (int)(a[0] & 0xff);
		return;
	case UMBRA_HC_PANIC:
		out->action = HC_PANIC;
		read_message(hc, a[0], a[1], out);
		return;
	case UMBRA_HC_BALLOON:
		if (hc->balloon) {
			if (hc->shadow)
				pthread_mutex_lock(&hc->shadow_lock);
			out->ret = (uint64_t)hc->balloon(hc->host_mem, a);
			/* An inflate zaps 2M entries of the direct map around
			 * the frames, perhaps the caller's kernel stack: keep
			 * the stack under RSP shadowed, as after a shadow
			 * hypercall (the guest flushes, then touches the rest). */
			if (hc->shadow && rsp) {
				shadow_prefault(hc->shadow, vcpu, rsp - 8);
				shadow_prefault(hc->shadow, vcpu, rsp - 1024);
			}
			uint64_t ticket[SHADOW_KICK_MAX_VCPUS], mask = 0;
			if (hc->shadow) {
				/* The guest flushes its own TLB after an
				 * inflate; the other vCPUs are kicked. */
				mask = remote_flush_request(hc, vcpu, 0, out, ticket);
				pthread_mutex_unlock(&hc->shadow_lock);
				remote_flush_wait(hc, vcpu, mask, ticket);
			}
			return;
		}
		refuse_unknown(hc, call->nr, out);
		return;
	case UMBRA_HC_SHADOW_KICK_ACK:
		if (hc->kick && hc->shadow) {
			/* Under the shadow lock, which a zapping thread holds
			 * from its zap to its kick request (never while it
			 * waits): once every kick is acknowledged, the MMU's
			 * flush flag for this vCPU is stale too. */
			pthread_mutex_lock(&hc->shadow_lock);
			int64_t r = shadow_kick_ack(hc->kick, vcpu, a[0]);
			if (r >= 0 && shadow_kick_idle(hc->kick, vcpu))
				shadow_take_tlb_flush(hc->shadow, vcpu);
			pthread_mutex_unlock(&hc->shadow_lock);
			out->ret = (uint64_t)(r < 0 ? -UMBRA_EINVAL : r);
			return;
		}
		refuse_unknown(hc, call->nr, out);
		return;
	case UMBRA_HC_SHADOW_STACK_HINT:
		if (hc->shadow) {
			pthread_mutex_lock(&hc->shadow_lock);
			out->ret = (uint64_t)shadow_set_stack_hint(hc->shadow, vcpu, a[0], a[1]);
			pthread_mutex_unlock(&hc->shadow_lock);
			return;
		}
		refuse_unknown(hc, call->nr, out);
		return;
	case UMBRA_HC_SHADOW_FAULT_SLOT:
		if (hc->shadow) {
			/* Without a poll thread no one reads the slot. */
			if (!hc->poll) {
				out->ret = (uint64_t)-UMBRA_ENOSYS;
				return;
			}
			pthread_mutex_lock(&hc->shadow_lock);
			out->ret = (uint64_t)shadow_set_fault_slot(hc->shadow, vcpu, a[0]);
			pthread_mutex_unlock(&hc->shadow_lock);
			/* The new slot reads "not idle": a sleeping thread must
			 * wake to answer it. */
			shadow_poll_wake(hc->poll);
			return;
		}
		refuse_unknown(hc, call->nr, out);
		return;
	case UMBRA_HC_SHADOW_KICK_FLAG:
		if (hc->shadow) {
			pthread_mutex_lock(&hc->shadow_lock);
			out->ret = (uint64_t)shadow_set_kick_flag(hc->shadow, vcpu, a[0]);
			pthread_mutex_unlock(&hc->shadow_lock);
			return;
		}
		refuse_unknown(hc, call->nr, out);
		return;
	case UMBRA_HC_SMP_START_CPU:
		if (hc->start_cpu) {
			out->ret = (uint64_t)hc->start_cpu(hc->start_cpu_opaque, vcpu, a);
			return;
		}
		refuse_unknown(hc, call->nr, out);
		return;
	case UMBRA_HC_REPORT:
		if (a[0] == UMBRA_REPORT_BOOT_NS && a[1] <= INT64_MAX) {
			atomic_store(&hc->boot_ns, (int64_t)a[1]);
			return;
		}
		out->ret = (uint64_t)-UMBRA_EINVAL;
		return;
	case UMBRA_HC_DUMP:
		out->ret = (uint64_t)(hc->dump ? hc->dump(hc->dump_opaque, vcpu, a)
					       : -UMBRA_ENOENT);
		return;
	case UMBRA_HC_STATS:
		out->ret = (uint64_t)hc_stats_read(hc, vcpu, a[0]);
		return;
	case UMBRA_HC_STATS_ALL:
		out->ret = (uint64_t)hc_stats_read_all(hc, vcpu, a[0], a[1]);
		return;
	default:
		refuse_unknown(hc, call->nr, out);
		return;
	}
}
