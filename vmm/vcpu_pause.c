/* SPDX-License-Identifier: MIT */
/* Stopping every vCPU outside KVM_RUN (see vcpu_pause.h). */
#include "vcpu_pause.h"

#include <time.h>

#include "../shadow/tsc_clock.h"

void vcpu_pause_init(struct vcpu_pause *p, void (*kick_all)(void *), void *opaque)
{
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->running = p->parked = 0;
	p->on = false;
	atomic_init(&p->requested, false);
	p->kick_all = kick_all;
	p->kick_opaque = opaque;
	p->pauses = p->wait_ns = 0;
}

void vcpu_pause_enter(struct vcpu_pause *p)
{
	pthread_mutex_lock(&p->lock);
	p->running++;
	pthread_mutex_unlock(&p->lock);
	/* Started during a pause: wait for its end before the first KVM_RUN. */
	vcpu_pause_point(p);
}

void vcpu_pause_leave(struct vcpu_pause *p)
{
	pthread_mutex_lock(&p->lock);
	p->running--;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Under the lock: counted as parked until the pause is off. */
static void park_locked(struct vcpu_pause *p)
{
	p->parked++;
	pthread_cond_broadcast(&p->cond);
	while (p->on)
		pthread_cond_wait(&p->cond, &p->lock);
	p->parked--;
}

void vcpu_pause_park(struct vcpu_pause *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->on)
		park_locked(p);
	pthread_mutex_unlock(&p->lock);
}

void vcpu_pause(struct vcpu_pause *p, bool self)
{
	pthread_mutex_lock(&p->lock);
	/* Another pause is on: a vCPU parks for it (its pauser waits for
	 * it), any other thread just waits its turn. */
	while (p->on) {
		if (self)
			park_locked(p);
		else
			pthread_cond_wait(&p->cond, &p->lock);
	}
	p->on = true;
	atomic_store(&p->requested, true);
	p->pauses++;
	uint64_t t0 = monotonic_ns();
	/* Kicks after the request is visible: a vCPU either sees it at its
	 * pause point or is kicked out of the KVM_RUN it then enters. Again
	 * every few ms while one is missing (belt and braces: a kick is
	 * never expected to be lost). */
	while (p->parked + (self ? 1u : 0u) < p->running) {
		pthread_mutex_unlock(&p->lock);
		p->kick_all(p->kick_opaque);
		pthread_mutex_lock(&p->lock);
		struct timespec t = clock_after_ns(CLOCK_REALTIME, 5 * 1000000ull);
		while (p->parked + (self ? 1u : 0u) < p->running &&
		       !pthread_cond_timedwait(&p->cond, &p->lock, &t))
			;
	}
	p->wait_ns += monotonic_ns() - t0;
	pthread_mutex_unlock(&p->lock);
}

void vcpu_continue(struct vcpu_pause *p)
{
	pthread_mutex_lock(&p->lock);
	p->on = false;
	atomic_store(&p->requested, false);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}
