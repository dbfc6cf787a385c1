/* SPDX-License-Identifier: MIT */
/* Kicks and their acknowledgments (see shadow_kick.h). */
#include "shadow_kick.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "../shadow/tsc_clock.h"

/* How often a waiter looks at the stop flag and sends the kick again (an
 * interrupt is not lost, but a guest that had it masked at the time is
 * then sure to see one once it unmasks). */
#define WAIT_SLICE_MS 20

void shadow_kick_init(struct shadow_kick *k, unsigned nr_vcpus,
		      int (*send)(void *opaque, unsigned vcpu), void *send_opaque,
		      const atomic_bool *stopping)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&k->cond, &ca);
	pthread_condattr_destroy(&ca);
	k->nr_vcpus = nr_vcpus > SHADOW_KICK_MAX_VCPUS ? SHADOW_KICK_MAX_VCPUS : nr_vcpus;
	k->send = send;
	k->send_opaque = send_opaque;
	k->stopping = stopping;
}

void shadow_kick_destroy(struct shadow_kick *k)
{
	pthread_cond_destroy(&k->cond);
	pthread_mutex_destroy(&k->lock);
}

uint64_t shadow_kick_request(struct shadow_kick *k, uint64_t mask, uint64_t *ticket)
{
	pthread_mutex_lock(&k->lock);
	for (unsigned v = 0; v < k->nr_vcpus; v++)
		if (mask & (1ull << v))
			ticket[v] = ++k->v[v].req;
	pthread_mutex_unlock(&k->lock);
	return mask & (k->nr_vcpus == 64 ? ~0ull : (1ull << k->nr_vcpus) - 1);
}

/* vCPUs of mask still to acknowledge their ticket (under k->lock). */
static uint64_t unacked(const struct shadow_kick *k, uint64_t mask, const uint64_t *ticket)
{
	uint64_t left = 0;
	for (unsigned v = 0; v < k->nr_vcpus; v++)
		if ((mask & (1ull << v)) && k->v[v].ack < ticket[v] && !k->v[v].in_hc)
			left |= 1ull << v;
	return left;
}

static void send_all(struct shadow_kick *k, uint64_t mask)
{
	for (unsigned v = 0; v < k->nr_vcpus; v++) {
		if (!(mask & (1ull << v)))
			continue;
		int r = k->send ? k->send(k->send_opaque, v) : -ENOSYS;
		pthread_mutex_lock(&k->lock);
		if (r == 0) {
			k->stats.kicks++;
			k->v[v].kicked++;
		}
		else
			k->stats.kick_failed++;
		pthread_mutex_unlock(&k->lock);
	}
}

int shadow_kick_wait(struct shadow_kick *k, uint64_t mask, const uint64_t *ticket,
		     unsigned timeout_ms)
{
	uint64_t t0 = monotonic_ns(), e0 = k->exits ? k->exits(k->exits_opaque) : 0;
	pthread_mutex_lock(&k->lock);
	uint64_t left = unacked(k, mask, ticket);
	pthread_mutex_unlock(&k->lock);
	int r = 0;
	for (unsigned waited = 0; left; waited += WAIT_SLICE_MS) {
		if (k->stopping && atomic_load(k->stopping)) {
			r = -ECANCELED;
			break;
		}
		if (waited >= timeout_ms) {
			r = -ETIMEDOUT;
			break;
		}
		/* The first time, and again each slice for those still out. */
		send_all(k, left);
		uint64_t until = monotonic_ns() + WAIT_SLICE_MS * 1000000ull;
		struct timespec ts = {(time_t)(until / 1000000000ull),
				      (long)(until % 1000000000ull)};
		pthread_mutex_lock(&k->lock);
		while ((left = unacked(k, mask, ticket)) &&
		       pthread_cond_timedwait(&k->cond, &k->lock, &ts) == 0)
			;
		pthread_mutex_unlock(&k->lock);
	}
	uint64_t e1 = k->exits ? k->exits(k->exits_opaque) : 0;
	pthread_mutex_lock(&k->lock);
	k->stats.barriers++;
	k->stats.wait_ns += monotonic_ns() - t0;
	k->stats.wait_exits += e1 - e0;
	if (r == -ETIMEDOUT)
		k->stats.timeouts++;
	else if (r == -ECANCELED)
		k->stats.cancelled++;
	pthread_mutex_unlock(&k->lock);
	return r;
}

int64_t shadow_kick_ack(struct shadow_kick *k, unsigned vcpu, uint64_t seq)
{
	if (vcpu >= k->nr_vcpus)
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	int64_t r = (int64_t)k->v[vcpu].req;
	if (seq > k->v[vcpu].req || seq > INT64_MAX) {
		r = -EINVAL;
	} else if (seq > k->v[vcpu].ack) {
		k->v[vcpu].ack = seq;
		k->stats.acks++;
		pthread_cond_broadcast(&k->cond);
	}
	pthread_mutex_unlock(&k->lock);
	return r;
}

bool shadow_kick_idle(struct shadow_kick *k, unsigned vcpu)
{
	if (vcpu >= k->nr_vcpus)
		return false;
	pthread_mutex_lock(&k->lock);
	bool idle = k->v[vcpu].ack == k->v[vcpu].req;
	pthread_mutex_unlock(&k->lock);
	return idle;
}

void shadow_kick_confirm(struct shadow_kick *k, unsigned vcpu)
{
	if (vcpu >= k->nr_vcpus)
		return;
	pthread_mutex_lock(&k->lock);
	if (k->v[vcpu].promised > k->v[vcpu].ack) {
		k->v[vcpu].ack = k->v[vcpu].promised;
		k->stats.promises++;
		pthread_cond_broadcast(&k->cond);
	}
	pthread_mutex_unlock(&k->lock);
}

void shadow_kick_promise(struct shadow_kick *k, unsigned vcpu)
{
	if (vcpu >= k->nr_vcpus)
		return;
	pthread_mutex_lock(&k->lock);
	k->v[vcpu].promised = k->v[vcpu].req;
	pthread_mutex_unlock(&k->lock);
}

void shadow_kick_enter(struct shadow_kick *k, unsigned vcpu)
{
	if (vcpu >= k->nr_vcpus)
		return;
	pthread_mutex_lock(&k->lock);
	k->v[vcpu].in_hc = true;
	/* A waiter for this vCPU may go on now. */
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

bool shadow_kick_leave(struct shadow_kick *k, unsigned vcpu)
{
	if (vcpu >= k->nr_vcpus)
		return false;
	pthread_mutex_lock(&k->lock);
	k->v[vcpu].in_hc = false;
	bool owed = k->v[vcpu].ack < k->v[vcpu].req;
	if (owed) {
		k->v[vcpu].ack = k->v[vcpu].req;
		k->stats.in_call++;
	}
	pthread_mutex_unlock(&k->lock);
	return owed;
}

void shadow_kick_count_wait(struct shadow_kick *k, unsigned vcpu)
{
	if (vcpu >= k->nr_vcpus)
		return;
	pthread_mutex_lock(&k->lock);
	k->v[vcpu].waited++;
	pthread_mutex_unlock(&k->lock);
}

void shadow_kick_get_stats(struct shadow_kick *k, struct shadow_kick_stats *out)
{
	pthread_mutex_lock(&k->lock);
	*out = k->stats;
	pthread_mutex_unlock(&k->lock);
}

void shadow_kick_print_stats(struct shadow_kick *k, FILE *f)
{
	struct shadow_kick_stats s;
	shadow_kick_get_stats(k, &s);
	fprintf(f, "shadow kicks: %llu waits, %llu interrupts sent (%llu failed), "
		"%llu acknowledged by KICK_ACK, %llu by a later shadow hypercall, "
		"%llu timed out, %llu cancelled; waited %llu us, %llu VM exits\n",
		(unsigned long long)s.barriers, (unsigned long long)s.kicks,
		(unsigned long long)s.kick_failed, (unsigned long long)s.acks,
		(unsigned long long)s.promises, (unsigned long long)s.timeouts,
		(unsigned long long)s.cancelled, (unsigned long long)(s.wait_ns / 1000),
		(unsigned long long)s.wait_exits);
	if (k->nr_vcpus < 2)
		return;
	fprintf(f, "shadow kicks: %llu acknowledged by the vCPU's own shadow hypercall\n",
		(unsigned long long)s.in_call);
	pthread_mutex_lock(&k->lock);
	for (unsigned v = 0; v < k->nr_vcpus; v++)
		fprintf(f, "shadow kicks: vcpu%u: %llu interrupts received, %llu waits by its "
			"own hypercalls\n", v, (unsigned long long)k->v[v].kicked,
			(unsigned long long)k->v[v].waited);
	pthread_mutex_unlock(&k->lock);
}
