/* SPDX-License-Identifier: MIT */
/* The fault-slot poll thread (see shadow_poll.h). */
#include "shadow_poll.h"

#include <errno.h>
#include <time.h>

#include "../shadow/mmu.h"
#include "../shadow/tsc_clock.h"
#include "hypercall.h"

static unsigned answer_all(struct shadow_poll *p)
{
	pthread_mutex_lock(&p->hc->shadow_lock);
	unsigned n = shadow_answer_fault_slots(p->hc->shadow);
	/* The generation first: a change after it shows at the next check. */
	p->watch_gen = shadow_fault_slots_gen(p->hc->shadow);
	p->nwatch = shadow_fault_slots_watch(p->hc->shadow, p->watch, &p->watch_complete);
	if (n && p->hc->after_answers)
		p->hc->after_answers(p->hc->host_mem, n);
	pthread_mutex_unlock(&p->hc->shadow_lock);
	return n;
}

static bool any_posted(const struct shadow_poll *p)
{
	for (unsigned i = 0; i < p->nwatch; i++)
		if (shadow_fault_slot_posted(p->watch[i]))
			return true;
	return false;
}

/* Marks the slots idle (the guest then makes hypercalls, which wake this
 * thread) and sleeps, unless a request came meanwhile. */
static void sleep_until_woken(struct shadow_poll *p)
{
	atomic_store(&p->asleep, true);
	pthread_mutex_lock(&p->hc->shadow_lock);
	bool pending = shadow_fault_slots_idle(p->hc->shadow, true);
	pthread_mutex_unlock(&p->hc->shadow_lock);
	if (!pending) {
		p->sleeps++;
		pthread_mutex_lock(&p->lock);
		while (atomic_load(&p->asleep) && !atomic_load(&p->stop))
			pthread_cond_wait(&p->cond, &p->lock);
		pthread_mutex_unlock(&p->lock);
	}
	atomic_store(&p->asleep, false);
	pthread_mutex_lock(&p->hc->shadow_lock);
	shadow_fault_slots_idle(p->hc->shadow, false);
	pthread_mutex_unlock(&p->hc->shadow_lock);
}

/* The watched pointers may be stale: a slot was (un)registered or its
 * frame changed since the last watch, or a registered slot's frame was
 * not present and writable then. */
static bool watch_stale(const struct shadow_poll *p)
{
	return !p->watch_complete || shadow_fault_slots_gen(p->hc->shadow) != p->watch_gen;
}

/*
 * Empty scans between two checks of the idle clock and the watch. The
 * thread reads the slots without the shadow lock, and takes it only for a
 * posted request or a stale watch, so a vCPU's hypercall finds it free.
 * It spins without PAUSE: under QEMU's emulation a PAUSE takes QEMU's big
 * lock, which a vCPU takes to deliver an exception or a VM exit. A PAUSE
 * per scan doubled the time from a fault's return to the next fault; one
 * per WATCH_SCANS, with the lock taken there, made a hypercall 1.2x as
 * long (docs/bench-notebook.md).
 */
#define WATCH_SCANS 1024

/*
 * Between the spin and the sleep, a doze: for DOZE_NS the thread looks at
 * the slots every DOZE_STEP_NS, which stay open (not idle), so a fault
 * that comes then waits about a step (and the timer's slack, 50 us by
 * default) for its answer instead of going to the VMM by an exit
 * (0.3-0.45M guest cycles nested). A guest that works a while without
 * faults, hypercalls or I/O exits (a benchmark writing the file it then
 * maps) finds the thread dozing, not asleep. Nothing
 * tells the vCPUs about a doze: their hypercalls stay about as cheap as
 * while the thread spins (one more load each). Nested, a step takes
 * 100-500 us and now and then milliseconds (L1's timer), longer than a
 * guest waits for its request to be taken (shadow_pv.c): the guest then
 * makes the hypercall, and the hypercall ends the doze at once
 * (shadow_poll_end_doze), so its next request finds the thread spinning.
 * True when a request, a hypercall or an I/O exit came: spin again.
 */
#define DOZE_STEP_NS 20000ull    /* 20 us */
#define DOZE_NS 200000000ull     /* 200 ms */

static bool doze(struct shadow_poll *p, uint64_t activity)
{
	p->dozes++;
	uint64_t start = tsc_clock_ns();
	bool woken = false;
	atomic_store(&p->dozing, true);
	while (!atomic_load(&p->stop) && tsc_clock_ns() - start < DOZE_NS) {
		struct timespec until = clock_after_ns(CLOCK_MONOTONIC, DOZE_STEP_NS);
		pthread_mutex_lock(&p->lock);
		/* Activity (a hypercall or I/O exit) or a stop may have come
		 * before `dozing` was set, or since the last look: then no
		 * wait. */
		if (atomic_load(&p->dozing) && atomic_load(&p->activity) == activity &&
		    !atomic_load(&p->stop))
			pthread_cond_timedwait(&p->cond, &p->lock, &until);
		pthread_mutex_unlock(&p->lock);
		unsigned n = answer_all(p);
		if (n) {
			p->answered += n;
			p->doze_answers += n;
			woken = true;
			break;
		}
		if (atomic_load(&p->activity) != activity || !atomic_load(&p->dozing)) {
			p->doze_activity++;
			woken = true;
			break;
		}
	}
	atomic_store(&p->dozing, false);
	return woken;
}

void shadow_poll_end_doze(struct shadow_poll *p)
{
	if (!atomic_exchange(&p->dozing, false))
		return;
	pthread_mutex_lock(&p->lock);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

uint64_t shadow_poll_next_window(uint64_t window_ns, uint64_t base_ns, uint64_t quiet_ns,
				 bool woken)
{
	uint64_t max_ns = base_ns * SHADOW_POLL_WINDOW_GROWTH;
	if (!woken || quiet_ns > max_ns)
		return base_ns;
	return window_ns * 2 < max_ns ? window_ns * 2 : max_ns;
}

static void *poll_thread(void *arg)
{
	struct shadow_poll *p = arg;
	uint64_t base_ns = (uint64_t)p->idle_us * 1000, last = tsc_clock_ns();
	uint64_t idle_ns = base_ns;
	uint64_t activity = atomic_load(&p->activity);
	unsigned empty_scans = 0;
	while (!atomic_load(&p->stop)) {
		bool posted = any_posted(p);
		if (!posted && ++empty_scans % WATCH_SCANS)
			continue;
		if (posted || watch_stale(p)) {
			unsigned n = answer_all(p);
			if (n) {
				p->answered += n;
				last = tsc_clock_ns();
				continue;
			}
			/* What looked posted was not for the thread (the guest
			 * ended it meanwhile, or a stale or broken slot): the
			 * lock is not taken back to back. */
			if (posted)
				__builtin_ia32_pause();
		}
		if (tsc_clock_ns() - last > idle_ns) {
			uint64_t h = atomic_load(&p->activity);
			if (h == activity) {
				bool woken = doze(p, h);
				/* A stop ended the doze: not the guest's doing. */
				if (!woken && atomic_load(&p->stop))
					break;
				uint64_t next = shadow_poll_next_window(
					idle_ns, base_ns, tsc_clock_ns() - last, woken);
				p->window_grows += next > idle_ns;
				p->window_resets += next < idle_ns;
				idle_ns = next;
				p->window_max_us = p->window_max_us > next / 1000 ? p->window_max_us
										  : (unsigned)(next / 1000);
				if (!woken)
					sleep_until_woken(p);
			}
			activity = atomic_load(&p->activity);
			last = tsc_clock_ns();
		}
	}
	return NULL;
}

int shadow_poll_start(struct shadow_poll *p, struct hc_state *hc, unsigned idle_us)
{
	p->hc = hc;
	p->idle_us = idle_us;
	p->answered = p->sleeps = p->dozes = p->doze_answers = p->doze_activity = 0;
	p->window_grows = p->window_resets = 0;
	p->window_max_us = idle_us;
	p->nwatch = 0;
	p->watch_gen = 0;
	p->watch_complete = false; /* the first check watches */
	atomic_init(&p->wakeups, 0);
	atomic_init(&p->activity, 0);
	atomic_init(&p->asleep, false);
	atomic_init(&p->stop, false);
	atomic_init(&p->dozing, false);
	pthread_mutex_init(&p->lock, NULL);
	/* A doze's step is a timed wait on CLOCK_MONOTONIC. */
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &attr);
	pthread_condattr_destroy(&attr);
	int r = pthread_create(&p->thread, NULL, poll_thread, p);
	if (r) {
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		return -r;
	}
	p->started = true;
	return 0;
}

void shadow_poll_wake(struct shadow_poll *p)
{
	if (!atomic_load_explicit(&p->asleep, memory_order_relaxed) ||
	    !atomic_exchange(&p->asleep, false))
		return;
	atomic_fetch_add(&p->wakeups, 1);
	pthread_mutex_lock(&p->lock);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void shadow_poll_stop(struct shadow_poll *p)
{
	if (!p->started)
		return;
	atomic_store(&p->stop, true);
	pthread_mutex_lock(&p->lock);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	p->started = false;
}

void shadow_poll_print_stats(const struct shadow_poll *p, FILE *f)
{
	fprintf(f, "shadow: poll thread: %llu fault slots answered, dozed %llu times "
		"(%llu answers then, %llu ended by a hypercall or I/O exit), slept %llu times, woken %llu "
		"times (idle after %u us; the window grew %llu times, up to %u us, and was "
		"set back %llu times)\n",
		(unsigned long long)p->answered, (unsigned long long)p->dozes,
		(unsigned long long)p->doze_answers, (unsigned long long)p->doze_activity,
		(unsigned long long)p->sleeps, (unsigned long long)atomic_load(&p->wakeups),
		p->idle_us, (unsigned long long)p->window_grows, p->window_max_us,
		(unsigned long long)p->window_resets);
}
