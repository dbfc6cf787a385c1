/* SPDX-License-Identifier: MIT */
/*
 * Kicks (docs/shadow.md "Zaps from other threads", docs/hypercalls.md
 * "15 SHADOW_KICK_ACK"): a VMM thread that zapped shadow entries some vCPUs
 * may still cache in their TLBs (the chaos thread, the control socket's
 * reclaim) kicks those vCPUs with an interrupt whose guest handler reloads
 * CR3 and acknowledges, and waits for the acknowledgments before the frames
 * the entries mapped are freed or reused (KVM's kvm_flush_remote_tlbs).
 *
 * Per vCPU: req, the kicks asked of it (a sequence), and ack, how far it is
 * known to have flushed. The guest proves a flush two ways: KICK_ACK(seq)
 * after the handler's CR3 reload, with the seq it read before; or any
 * shadow hypercall after a result that told it to flush (UMBRA_SHADOW_FLUSH,
 * AS_ACTIVATE, an error): the guest flushes right after such a result,
 * before its next exit, so that exit confirms the "promise" the result made
 * (a guest running with interrupts off still makes hypercalls).
 *
 * Hosted C: the interrupt is sent through a callback (KVM_SIGNAL_MSI in the
 * VMM), so the unit tests drive it with threads.
 */
#ifndef UMBRA_VMM_SHADOW_KICK_H
#define UMBRA_VMM_SHADOW_KICK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SHADOW_KICK_MAX_VCPUS 64

struct shadow_kick_stats {
	uint64_t barriers;     /* waits for a set of vCPUs */
	uint64_t kicks;        /* interrupts sent */
	uint64_t kick_failed;  /* ... that could not be sent */
	uint64_t acks;         /* KICK_ACK calls that acknowledged a kick */
	uint64_t promises;     /* kicks confirmed by a later shadow hypercall */
	uint64_t in_call;      /* kicks covered by the vCPU's own call (leave) */
	uint64_t timeouts;     /* waits given up (their frames are kept) */
	uint64_t cancelled;    /* waits ended by the VM stopping */
	uint64_t wait_ns;      /* time spent waiting */
	uint64_t wait_exits;   /* VM exits counted while waiting */
};

struct shadow_kick {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned nr_vcpus;
	struct {
		uint64_t req, ack, promised;
		/* In a shadow hypercall (shadow_kick_enter/leave): its result
		 * will make the vCPU flush, so it counts as acknowledged. */
		bool in_hc;
		uint64_t kicked;   /* interrupts sent to this vCPU */
		uint64_t waited;   /* waits this vCPU's own hypercalls made */
	} v[SHADOW_KICK_MAX_VCPUS];
	/* Sends the interrupt to vcpu: 0 or -errno. */
	int (*send)(void *opaque, unsigned vcpu);
	void *send_opaque;
	/* The VM is stopping: waits end at once. May be NULL. */
	const atomic_bool *stopping;
	/* VM exits so far (for wait_exits); may be NULL. */
	uint64_t (*exits)(void *opaque);
	void *exits_opaque;
	struct shadow_kick_stats stats;
};

void shadow_kick_init(struct shadow_kick *k, unsigned nr_vcpus,
		      int (*send)(void *opaque, unsigned vcpu), void *send_opaque,
		      const atomic_bool *stopping);
void shadow_kick_destroy(struct shadow_kick *k);

/* A flush is asked of every vCPU in mask (call it under the lock that
 * serialises the zap, right after it): req moves, and ticket[v] is what
 * must be acknowledged. Returns the mask. */
uint64_t shadow_kick_request(struct shadow_kick *k, uint64_t mask, uint64_t *ticket);
/* Sends the interrupts (outside the zap's lock) and waits until every
 * vCPU in mask acknowledged its ticket, for at most timeout_ms. 0,
 * -ETIMEDOUT, or -ECANCELED when the VM stops. Never call it holding a
 * lock a vCPU needs to make progress. */
int shadow_kick_wait(struct shadow_kick *k, uint64_t mask, const uint64_t *ticket,
		     unsigned timeout_ms);

/* UMBRA_HC_SHADOW_KICK_ACK(seq) from vcpu: acknowledges seq (a value this
 * call returned before, or 0) and returns the sequence now, or -EINVAL for
 * a seq never given out. */
int64_t shadow_kick_ack(struct shadow_kick *k, unsigned vcpu, uint64_t seq);
/* Whether vcpu acknowledged every kick asked of it. */
bool shadow_kick_idle(struct shadow_kick *k, unsigned vcpu);
/* At the start of every shadow hypercall of vcpu: a flush promised by the
 * previous result happened. */
void shadow_kick_confirm(struct shadow_kick *k, unsigned vcpu);
/* The result of this shadow hypercall makes vcpu flush before its next
 * exit: every kick asked so far is covered (call under the zap's lock). */
void shadow_kick_promise(struct shadow_kick *k, unsigned vcpu);

/*
 * A vCPU in a shadow hypercall (4-11) is not running guest code, and the
 * guest flushes right after the result when it carries UMBRA_SHADOW_FLUSH:
 * so while it is in the VMM it needs no interrupt, and a vCPU waiting for
 * its acknowledgment goes on at once (two vCPUs that zap what the other
 * caches never wait for each other). enter at the start of the call,
 * before the shadow lock; leave after any wait of its own: true when a
 * kick was asked of vcpu meanwhile, and then the result must carry
 * UMBRA_SHADOW_FLUSH (the kick counts as acknowledged by it).
 */
void shadow_kick_enter(struct shadow_kick *k, unsigned vcpu);
bool shadow_kick_leave(struct shadow_kick *k, unsigned vcpu);
/* Counts a wait made by vcpu's own hypercall (--stats). */
void shadow_kick_count_wait(struct shadow_kick *k, unsigned vcpu);

void shadow_kick_get_stats(struct shadow_kick *k, struct shadow_kick_stats *out);
/* --stats: one line. */
void shadow_kick_print_stats(struct shadow_kick *k, FILE *f);

#endif
