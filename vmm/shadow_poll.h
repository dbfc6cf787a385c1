/* SPDX-License-Identifier: MIT */
/*
 * The fault-slot poll thread (--shadow-poll; docs/shadow.md "Exitless
 * faults"): a VMM thread that answers the first-chance faults the vCPUs
 * post in their fault slots (UMBRA_HC_SHADOW_FAULT_SLOT), so a fault the
 * shadow can take without a zap costs no VM exit. It spins while faults
 * (or hypercalls, or I/O exits) come; after idle_us without one (more
 * when requests keep coming just after it: shadow_poll_next_window) it
 * dozes (looks at the slots every 20 us for 200 ms; any hypercall or I/O
 * exit ends the doze at once),
 * then marks the slots idle and sleeps
 * until a vCPU's next shadow hypercall wakes it (as io_uring's SQPOLL
 * thread with IORING_SQ_NEED_WAKEUP). It costs a host CPU while it spins.
 */
#ifndef UMBRA_VMM_SHADOW_POLL_H
#define UMBRA_VMM_SHADOW_POLL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../shadow/mmu.h"

struct hc_state;

struct shadow_poll {
	struct hc_state *hc;   /* its shadow MMU and lock */
	unsigned idle_us;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool asleep, stop;
	atomic_bool dozing;    /* in a doze: its steps wait on p->cond */
	/* The slots as the last scan under the lock found them, watched
	 * without it between scans (shadow_fault_slots_watch). */
	const struct umbra_shadow_fault_slot *watch[SHADOW_MAX_VCPUS];
	unsigned nwatch;
	uint32_t watch_gen;    /* shadow_fault_slots_gen at that scan */
	bool watch_complete;   /* every registered slot's frame was present
				* and writable then */
	uint64_t answered, sleeps, dozes, doze_answers; /* for --stats */
	uint64_t doze_activity; /* dozes a hypercall or I/O exit ended */
	uint64_t window_grows, window_resets; /* the idle window's changes */
	unsigned window_max_us;   /* the longest it was */
	atomic_uint_fast64_t wakeups;
	/* The vCPUs' hypercalls and port-I/O and MMIO exits: a guest making
	 * them is running, not idle, and its next fault may come at once
	 * (shadow_poll_note_activity). */
	atomic_uint_fast64_t activity;
};

/*
 * The idle window adapts, as KVM's halt polling does (grow_halt_poll_ns,
 * shrink_halt_poll_ns): a request, hypercall or I/O exit that ended a
 * doze came quiet_ns after the last one, too late for the window: the window
 * doubles, up to SHADOW_POLL_WINDOW_GROWTH times idle_us, so a guest whose
 * work between faults is a little longer than idle_us finds the thread
 * spinning the next time. A doze that ran out (the thread then sleeps), or
 * one ended later than the longest window would have covered, sets it
 * back to idle_us (as KVM's shrink with halt_poll_ns_shrink 0).
 * Returns the next window.
 */
#define SHADOW_POLL_WINDOW_GROWTH 16
uint64_t shadow_poll_next_window(uint64_t window_ns, uint64_t base_ns, uint64_t quiet_ns,
				 bool woken);

/* Starts the thread over hc's shadow MMU. 0 or -errno. */
int shadow_poll_start(struct shadow_poll *p, struct hc_state *hc, unsigned idle_us);
/* Ends it (the vCPUs have stopped). */
void shadow_poll_stop(struct shadow_poll *p);
/* From a vCPU's shadow hypercall: wakes the thread if it sleeps. */
void shadow_poll_wake(struct shadow_poll *p);
/* Ends the thread's doze now (it spins again), if it dozes. */
void shadow_poll_end_doze(struct shadow_poll *p);
/* From every hypercall, and every port-I/O or MMIO exit (the serial
 * console's two a byte): the thread, if awake, stays so for its idle
 * window more (a guest making them is running, and its next fault may
 * come at once); if it dozes, it spins again now. HLT is not activity. */
static inline void shadow_poll_note_activity(struct shadow_poll *p)
{
	atomic_fetch_add_explicit(&p->activity, 1, memory_order_relaxed);
	if (atomic_load_explicit(&p->dozing, memory_order_relaxed))
		shadow_poll_end_doze(p);
}
void shadow_poll_print_stats(const struct shadow_poll *p, FILE *f);

#endif
