/* SPDX-License-Identifier: MIT */
/*
 * Stopping every vCPU outside KVM_RUN (kvmtool's kvm__pause/kvm__continue):
 * tdp mode's host-memory changes that copy a frame and then drop it
 * (--mem-limit reclaim, the chaos thread) must not race a guest write
 * between the copy and the drop, so they run while no vCPU is in the guest
 * (docs/host-memory.md). A vCPU thread parks at its pause point, before
 * KVM_RUN, while a pause is on; the pauser kicks the vCPUs out of KVM_RUN
 * (a signal and immediate_exit) and waits until every running vCPU thread
 * is parked or has ended. One pause at a time; a vCPU that asks for one
 * while another is on parks first, so two pausers never wait on each
 * other.
 *
 * Hosted C: the kick is a callback, so the unit tests drive it with
 * threads.
 */
#ifndef UMBRA_VMM_VCPU_PAUSE_H
#define UMBRA_VMM_VCPU_PAUSE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct vcpu_pause {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned running;        /* vCPU threads between enter and leave */
	unsigned parked;         /* ... of them at their pause point (or pausing) */
	bool on;                 /* a pause is on (its pauser works) */
	atomic_bool requested;   /* read without the lock at every pause point */
	/* Makes every vCPU leave KVM_RUN soon (or not enter it). */
	void (*kick_all)(void *opaque);
	void *kick_opaque;
	uint64_t pauses;         /* under lock */
	uint64_t wait_ns;        /* time pausers waited for the vCPUs */
};

void vcpu_pause_init(struct vcpu_pause *p, void (*kick_all)(void *), void *opaque);
/* A vCPU thread's start and end. */
void vcpu_pause_enter(struct vcpu_pause *p);
void vcpu_pause_leave(struct vcpu_pause *p);
/* A vCPU thread, before each KVM_RUN: parks while a pause is on. */
void vcpu_pause_park(struct vcpu_pause *p);
static inline void vcpu_pause_point(struct vcpu_pause *p)
{
	if (atomic_load(&p->requested))
		vcpu_pause_park(p);
}
/* Stops every vCPU (self: the caller is a vCPU thread, between exits);
 * returns once none runs the guest. vcpu_continue ends the pause. */
void vcpu_pause(struct vcpu_pause *p, bool self);
void vcpu_continue(struct vcpu_pause *p);

#endif
