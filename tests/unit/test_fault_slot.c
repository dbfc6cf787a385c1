/* SPDX-License-Identifier: MIT */
/*
 * Fault slots (shadow/fault_slot.c, UMBRA_HC_SHADOW_FAULT_SLOT) and the poll
 * thread (vmm/shadow_poll.c): a posted fault is answered by adding entries
 * only; one that would need a zap, an eviction, a p2m change or the queue
 * applied is declined; the guest's own FAULT hypercall ends a request not
 * answered yet; the thread sleeps when idle and a hypercall wakes it.
 */
#include <pthread.h>
#include <time.h>

#include "test.h"

#include "../../shadow/fault_inject.h"
#include "hc_test.h"
#include "hypercall.h"
#include "shadow_poll.h"
#include "shadow_sim.h"

static const struct shadow_config slot_cfg = {
	.efer_nxe = true, .maxphyaddr = 46, .prefetch = 0, .nr_vcpus = 1,
};

static struct umbra_shadow_fault_slot *slot_at(struct sim *s, uint64_t gpa)
{
	return p2m_writable_ptr(&s->p2m, gpa);
}

static uint32_t post(struct umbra_shadow_fault_slot *sl, uint64_t addr, uint32_t ec,
		     uint32_t asid)
{
	return sim_slot_post(sl, UMBRA_SHADOW_SLOT_FAULT, addr, ec, asid);
}

static bool shadowed(struct sim *s, uint64_t va, unsigned access)
{
	struct walk_result r;
	return sim_shadow_walk(s, va, access, 3, false, &r) == WALK_OK;
}

static int populate(struct sim *s, uint64_t gpa)
{
	uint64_t maddr;
	return p2m_populate(&s->p2m, gpa >> 12, &maddr);
}

static int64_t call(struct hc_state *hc, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hc_outcome out;
	struct hc_call c = {nr, {a0, a1, a2, 0, 0}};
	hc_dispatch(hc, &c, &out);
	return (int64_t)out.ret;
}

/*
 * What every test here starts from: a sim, a dispatcher over its MMU with a
 * poll thread that was never started (registration works, nothing answers
 * but the test), an address space whose 0x400000 maps gfn 9 (not yet
 * backed) and is active on vCPU 0, and a page for the slot.
 */
struct slot_env {
	struct sim s;
	struct guest_mem gm;
	struct stats st;
	struct hc_state hc;
	struct shadow_poll idle_poll;
	uint64_t root, slot_gpa;
	uint32_t asid;
	struct umbra_shadow_fault_slot *sl; /* with_slot: registered for vCPU 0 */
};

static void slot_env_destroy(struct slot_env *e)
{
	hc_destroy(&e->hc);
	sim_destroy(&e->s);
}

/* Registers the slot for vCPU 0; NULL if refused. */
static struct umbra_shadow_fault_slot *slot_register(struct slot_env *e)
{
	if (call(&e->hc, UMBRA_HC_SHADOW_FAULT_SLOT, e->slot_gpa, 0, 0))
		return NULL;
	return slot_at(&e->s, e->slot_gpa);
}

/* 0, or -1 with nothing left to free; with_slot: the slot registered
 * (e->sl) with the idle poll thread. */
static int slot_env_init(struct slot_env *e, const struct shadow_config *cfg, bool with_slot)
{
	if (sim_init(&e->s, 2048, 4096, cfg))
		return -1;
	hc_test_init(&e->hc, &e->gm, &e->st);
	hc_set_shadow(&e->hc, e->s.mmu);
	e->idle_poll = (struct shadow_poll){0};
	e->hc.poll = &e->idle_poll;
	e->root = g_alloc_table(&e->s);
	g_map(&e->s, e->root, 0x400000, 0x9000, PTE_RW | PTE_US, 1);
	int64_t asid = call(&e->hc, UMBRA_HC_SHADOW_AS_CREATE, e->root, 0, 0);
	if (asid <= 0 || sim_activate(&e->s, (uint32_t)asid, e->root)) {
		slot_env_destroy(e);
		return -1;
	}
	e->asid = (uint32_t)asid;
	e->slot_gpa = g_alloc_table(&e->s);
	e->sl = with_slot ? slot_register(e) : NULL;
	if (with_slot && !e->sl) {
		slot_env_destroy(e);
		return -1;
	}
	return 0;
}

/* Whether slot_env_init (or stream_env_init) gave init 0; a test that
 * gets false has failed and returns. */
static bool slot_env_ready(int *failed_, int init)
{
	CHECK_EQ(init, 0);
	return init == 0;
}

TEST(fault_slot_registration)
{
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &slot_cfg, false)))
		return;
	uint64_t page = e.slot_gpa;
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT_SLOT, page + 8, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT_SLOT, 2048ull << 12, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT_SLOT, page + 64, 0, 0), -UMBRA_EINVAL);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT_SLOT, page + 128, 0, 0), 0);
	/* Only in a frame present and writable in the p2m: backing or
	 * unsharing one would change the p2m, with no flush handed back.
	 * Refused, the frames are left as they were. */
	uint64_t untouched = 2000, maddr;
	CHECK(p2m_lookup(&e.s.p2m, untouched, &maddr, NULL) != 0);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT_SLOT, untouched << 12, 0, 0), -UMBRA_EFAULT);
	CHECK(p2m_lookup(&e.s.p2m, untouched, &maddr, NULL) != 0);
	uint64_t ro;
	unsigned perms = 0;
	CHECK_EQ(frame_pool_alloc(&e.s.pool, &ro), 0);
	memset(frame_pool_ptr(&e.s.pool, ro), 0x5a, 4096);
	CHECK_EQ(p2m_set(&e.s.p2m, 2001, ro, EPTE_R | EPTE_X), 0);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT_SLOT, 2001ull << 12, 0, 0), -UMBRA_EFAULT);
	CHECK_EQ(p2m_lookup(&e.s.p2m, 2001, &maddr, &perms), 0);
	CHECK_EQ(maddr, ro);
	CHECK(!(perms & EPTE_W));
	CHECK_EQ(((const uint8_t *)frame_pool_ptr(&e.s.pool, ro))[0], 0x5a);
	/* A refused registration forgot the earlier slot (as gpa 0 would). */
	CHECK_EQ(e.s.mmu->vcpu[0].fault_slot_gpa, 0);
	/* Without a poll thread nobody would answer. */
	e.hc.poll = NULL;
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT_SLOT, page, 0, 0), -UMBRA_ENOSYS);
	/* tdp mode: an unknown number. */
	hc_set_shadow(&e.hc, NULL);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT_SLOT, page, 0, 0), -UMBRA_ENOSYS);
	slot_env_destroy(&e);
}

TEST(fault_slot_answers_by_adding_only)
{
	struct shadow_config cfg = slot_cfg;
	cfg.budget_pages = 4; /* the root and one path: a second path evicts */
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &cfg, true)))
		return;
	struct umbra_shadow_fault_slot *sl = e.sl;
	g_map(&e.s, e.root, 0x401000, 0xa000, PTE_RW | PTE_US, 1);
	g_map(&e.s, e.root, 0x40000000, 0xb000, PTE_RW | PTE_US, 1);

	/* Nothing posted: nothing answered. */
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 0);

	/* A first touch changes the p2m: declined. */
	uint32_t seq = post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(sl->done, seq);
	CHECK_EQ(sl->result, UMBRA_SHADOW_DECLINED);
	CHECK(!shadowed(&e.s, 0x400000, WALK_WRITE));

	/* With the frame there: answered, and the entry is in the shadow. */
	CHECK_EQ(populate(&e.s, 0x9000), 0);
	CHECK_EQ(populate(&e.s, 0xa000), 0);
	CHECK_EQ(populate(&e.s, 0xb000), 0);
	seq = post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(sl->done, seq);
	CHECK_EQ(sl->result, UMBRA_SHADOW_HANDLED);
	CHECK(shadowed(&e.s, 0x400000, WALK_WRITE));
	/* A walk the guest refuses is reflected, as the hypercall would. */
	seq = post(sl, 0x402000, PFERR_U, e.asid);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(sl->result & 0xff, UMBRA_SHADOW_REFLECT);

	/* The guest repointed 0x400000 without an invalidation yet: the
	 * answer would zap the old entry, so it is declined and the old
	 * entry left for the hypercall. */
	g_map(&e.s, e.root, 0x400000, 0xa000, PTE_RW | PTE_US, 1);
	post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	shadow_answer_fault_slots(e.s.mmu);
	CHECK_EQ(sl->result, UMBRA_SHADOW_DECLINED);

	/* A second path needs 3 pages more: past the budget, declined. */
	post(sl, 0x40000000, PFERR_U | PFERR_W, e.asid);
	shadow_answer_fault_slots(e.s.mmu);
	CHECK_EQ(sl->result, UMBRA_SHADOW_DECLINED);
	CHECK(!shadowed(&e.s, 0x40000000, 0));

	/* The repointing's invalidation, queued: a fault through the slot
	 * applies the queue first (as every hypercall does), and the answer
	 * asks the caller to flush. */
	uint64_t ring_gpa = g_alloc_table(&e.s);
	CHECK_EQ(sim_hc(&e.s, UMBRA_HC_SHADOW_QUEUE, ring_gpa, 0, 0, 0), 0);
	struct umbra_shadow_ring *ring = p2m_writable_ptr(&e.s.p2m, ring_gpa);
	sim_queue_op(ring, 0x400000, 0x401000, e.asid, UMBRA_SHADOW_EV_CLEAR);
	post(sl, 0x402000, PFERR_U, e.asid);
	shadow_answer_fault_slots(e.s.mmu);
	CHECK_EQ((uint64_t)sl->result & (0xff | UMBRA_SHADOW_FLUSH | UMBRA_SHADOW_FLUSH_RANGES),
		 UMBRA_SHADOW_REFLECT | UMBRA_SHADOW_FLUSH_RANGES);
	CHECK_EQ(sl->flush[0].start, 0x400000);
	CHECK_EQ(sl->flush[0].pages, 1);
	CHECK_EQ(sl->flush[1].pages, 0);
	CHECK_EQ(ring->tail, ring->head);
	CHECK(!shadowed(&e.s, 0x400000, 0));

	struct shadow_stats ss;
	shadow_get_stats(e.s.mmu, &ss);
	CHECK_EQ(ss.slot_faults, 3);
	CHECK_EQ(ss.slot_declined, 3);
	CHECK_EQ(ss.slot_zaps, 0);
	/* The hypercall does what the slot declined (it may evict). */
	CHECK_EQ(sim_hc(&e.s, UMBRA_HC_SHADOW_FAULT, 0x40000000, PFERR_U | PFERR_W,
			e.asid, 0), UMBRA_SHADOW_HANDLED);
	CHECK(shadowed(&e.s, 0x40000000, WALK_WRITE));
	CHECK_EQ(sim_audit(&e.s), 0);
	slot_env_destroy(&e);
}

static unsigned slot_stops;
static void count_slot_stop(void *opaque)
{
	(void)opaque;
	slot_stops++;
}

/* The host refuses a shadow page's frame while the thread answers: the
 * answer is declined, nothing is evicted (a page there may hold a running
 * vCPU's kernel stack) and the guest is not stopped; the hypercall that
 * follows does the fault. */
TEST(fault_slot_answer_never_evicts_for_a_refused_frame)
{
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &slot_cfg, true)))
		return;
	g_map(&e.s, e.root, 0x40000000, 0xb000, PTE_RW | PTE_US, 1);
	CHECK_EQ(populate(&e.s, 0x9000), 0);
	CHECK_EQ(populate(&e.s, 0xb000), 0);
	uint32_t seq = post(e.sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(e.sl->done, seq);
	CHECK_EQ(e.sl->result, UMBRA_SHADOW_HANDLED);

	char err[160];
	CHECK_EQ(fault_inject_parse("sp-alloc", err, sizeof(err)), 0);
	slot_stops = 0;
	host_failure_set_stop(count_slot_stop, NULL);
	seq = post(e.sl, 0x40000000, PFERR_U | PFERR_W, e.asid);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(e.sl->done, seq);
	CHECK_EQ(e.sl->result, UMBRA_SHADOW_DECLINED);
	struct fi_counts c;
	fault_inject_counts(FI_SP_ALLOC, &c);
	CHECK_EQ(c.injected, 1);
	CHECK_EQ(c.survived, 1);
	CHECK_EQ(c.fatal, 0);
	CHECK_EQ(slot_stops, 0);
	CHECK_EQ(e.s.mmu->stats.sp_evicted, 0);
	CHECK(shadowed(&e.s, 0x400000, WALK_WRITE));
	CHECK(!shadowed(&e.s, 0x40000000, 0));
	fault_inject_reset();
	host_failure_set_stop(NULL, NULL);

	CHECK_EQ(sim_hc(&e.s, UMBRA_HC_SHADOW_FAULT, 0x40000000, PFERR_U | PFERR_W,
			e.asid, 0), UMBRA_SHADOW_HANDLED);
	CHECK(shadowed(&e.s, 0x40000000, WALK_WRITE));
	CHECK_EQ(sim_audit(&e.s), 0);
	slot_env_destroy(&e);
}

/* The guest gave up waiting and made the hypercall: the request ends
 * there (done, declined) and is never answered after. */
TEST(fault_slot_hypercall_ends_the_request)
{
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &slot_cfg, true)))
		return;
	struct umbra_shadow_fault_slot *sl = e.sl;
	uint32_t seq = post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT, 0x400000, PFERR_U | PFERR_W, e.asid),
		 UMBRA_SHADOW_HANDLED);
	CHECK_EQ(sl->done, seq);
	CHECK_EQ(sl->result, UMBRA_SHADOW_DECLINED);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 0);
	/* The guest gives up itself: done from seq - 2 to seq. The thread
	 * then finds nothing to claim. */
	seq = post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	unsigned int expect = seq - 2;
	CHECK(__atomic_compare_exchange_n(&sl->done, &expect, seq, false, __ATOMIC_SEQ_CST,
					  __ATOMIC_SEQ_CST));
	sl->result = 12345;
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 0);
	CHECK_EQ(sl->result, 12345);
	/* Given up before the thread looked, then a new request at once: the
	 * thread answers the new one. */
	seq = post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	expect = seq - 2;
	CHECK(__atomic_compare_exchange_n(&sl->done, &expect, seq, false, __ATOMIC_SEQ_CST,
					  __ATOMIC_SEQ_CST));
	seq = post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(sl->done, seq);
	CHECK_EQ(sl->result, UMBRA_SHADOW_HANDLED);
	/* Claimed by the thread first: the guest's give-up fails. */
	seq = post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	expect = seq - 2;
	CHECK(!__atomic_compare_exchange_n(&sl->done, &expect, seq, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST));
	CHECK_EQ(sl->result, UMBRA_SHADOW_HANDLED);
	struct shadow_stats ss;
	shadow_get_stats(e.s.mmu, &ss);
	CHECK_EQ(ss.slot_cancelled, 2);
	CHECK_EQ(ss.slot_faults, 2);
	CHECK_EQ(ss.slot_declined, 0);
	slot_env_destroy(&e);
}

/* Waits up to 5 s for *p to equal v. */
static bool wait_u32(const unsigned int *p, unsigned int v)
{
	for (int i = 0; i < 50000; i++) {
		if (__atomic_load_n(p, __ATOMIC_ACQUIRE) == v)
			return true;
		nanosleep(&(struct timespec){0, 100000}, NULL);
	}
	return false;
}

/* Waits up to 5 s for a flag of the poll thread to be set. */
static bool wait_flag(atomic_bool *flag)
{
	for (int i = 0; i < 50000; i++) {
		if (atomic_load(flag))
			return true;
		nanosleep(&(struct timespec){0, 100000}, NULL);
	}
	return false;
}

/* Starts a poll thread over e's dispatcher with no slot registered, and
 * waits for its first doze (after idle_us). */
static bool start_poll_until_doze(struct slot_env *e, struct shadow_poll *poll, unsigned idle_us)
{
	if (shadow_poll_start(poll, &e->hc, idle_us))
		return false;
	e->hc.poll = poll;
	return wait_flag(&poll->dozing);
}

/* Stops the poll thread that serves e's dispatcher. */
static void stop_poll(struct slot_env *e, struct shadow_poll *poll)
{
	e->hc.poll = NULL;
	shadow_poll_stop(poll);
}

/* Starts a poll thread over e's dispatcher (idle after idle_us) and,
 * once the thread has watched the slots (none yet), registers the slot
 * with it: the thread must see the registration by itself. NULL, with the
 * thread stopped and e freed, if any of it fails. */
static struct umbra_shadow_fault_slot *start_polled_slot(struct slot_env *e,
							 struct shadow_poll *poll,
							 unsigned idle_us)
{
	*poll = (struct shadow_poll){0};
	if (shadow_poll_start(poll, &e->hc, idle_us)) {
		slot_env_destroy(e);
		return NULL;
	}
	e->hc.poll = poll;
	bool watched = false;
	for (int i = 0; i < 50000 && !watched; i++) {
		pthread_mutex_lock(&e->hc.shadow_lock);
		watched = poll->watch_complete;
		pthread_mutex_unlock(&e->hc.shadow_lock);
		if (!watched)
			nanosleep(&(struct timespec){0, 100000}, NULL);
	}
	struct umbra_shadow_fault_slot *sl = watched ? slot_register(e) : NULL;
	if (!sl) {
		stop_poll(e, poll);
		slot_env_destroy(e);
	}
	return sl;
}

/* Sets e up with a slot the thread polls (idle after idle_us) and posts
 * a fault there that the thread must answer "handled"; NULL, with the
 * thread stopped and e freed, when any of it fails. */
static struct umbra_shadow_fault_slot *polled_answer(int *failed_, struct slot_env *e,
						     struct shadow_poll *poll, unsigned idle_us)
{
	if (!slot_env_ready(failed_, slot_env_init(e, &slot_cfg, false)))
		return NULL;
	CHECK_EQ(populate(&e->s, 0x9000), 0);
	struct umbra_shadow_fault_slot *sl = start_polled_slot(e, poll, idle_us);
	CHECK(sl != NULL);
	if (!sl)
		return NULL;
	uint32_t seq = post(sl, 0x400000, PFERR_U | PFERR_W, e->asid);
	bool answered = wait_u32(&sl->done, seq);
	CHECK(answered);
	CHECK_EQ(sl->result, UMBRA_SHADOW_HANDLED);
	if (!answered) {
		stop_poll(e, poll);
		slot_env_destroy(e);
		return NULL;
	}
	return sl;
}

/* The thread itself: answers, goes idle (marks the slots), and a shadow
 * hypercall wakes it. */
TEST(fault_slot_poll_thread)
{
	struct slot_env e;
	struct shadow_poll poll;
	/* 50 ms: the post must come before the thread first sleeps (a
	 * sleeping thread answers nothing until a hypercall wakes it), also
	 * on a loaded machine; a 200 us window failed once in CI. */
	struct umbra_shadow_fault_slot *sl = polled_answer(failed_, &e, &poll, 50000);
	if (!sl)
		return;
	/* 50 ms without a fault or hypercall: it sleeps, and says so in
	 * the slot. */
	CHECK(wait_u32(&sl->idle, 1));
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_SYNC, 0, 0, 0), 0);
	CHECK(atomic_load(&poll.wakeups) >= 1);
	stop_poll(&e, &poll);
	CHECK_EQ(poll.answered, 1);
	CHECK(poll.sleeps >= 1);
	slot_env_destroy(&e);
}

/* A slot registered after the thread's first watch is answered while the
 * thread spins: it sees the registration by itself (a doze, which looks
 * under the lock every 20 us, would answer it only after the idle time). */
TEST(fault_slot_poll_thread_sees_a_late_registration)
{
	struct slot_env e;
	struct shadow_poll poll;
	/* Idle after 20 s: no doze before the answer, however loaded. */
	if (!polled_answer(failed_, &e, &poll, 20000000))
		return;
	stop_poll(&e, &poll);
	CHECK_EQ(poll.answered, 1);
	CHECK_EQ(poll.dozes, 0);
	CHECK_EQ(poll.doze_answers, 0);
	slot_env_destroy(&e);
}

/* Past its idle time the thread dozes before it sleeps: the slot stays
 * open, and a request posted then is answered without a hypercall. */
TEST(fault_slot_poll_thread_dozes_before_it_sleeps)
{
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &slot_cfg, false)))
		return;
	CHECK_EQ(populate(&e.s, 0x9000), 0);
	CHECK_EQ(populate(&e.s, 0xa000), 0);
	g_map(&e.s, e.root, 0x401000, 0xa000, PTE_RW | PTE_US, 1);
	struct shadow_poll poll;
	struct umbra_shadow_fault_slot *sl = start_polled_slot(&e, &poll, 1000); /* 1 ms */
	CHECK(sl != NULL);
	if (!sl)
		return;
	uint32_t seq = post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	CHECK(wait_u32(&sl->done, seq));
	/* 30 ms: past the idle time, well inside the 200 ms doze. */
	nanosleep(&(struct timespec){0, 30000000}, NULL);
	CHECK_EQ(__atomic_load_n(&sl->idle, __ATOMIC_ACQUIRE), 0);
	seq = post(sl, 0x401000, PFERR_U | PFERR_W, e.asid);
	CHECK(wait_u32(&sl->done, seq));
	CHECK_EQ(sl->result, UMBRA_SHADOW_HANDLED);
	/* Then nothing: after the doze it sleeps. */
	CHECK(wait_u32(&sl->idle, 1));
	stop_poll(&e, &poll);
	CHECK_EQ(poll.answered, 2);
	/* 1, or 2 when a loaded machine posted the first past the idle time. */
	CHECK(poll.doze_answers >= 1);
	CHECK(poll.dozes >= 2);
	CHECK(poll.sleeps >= 1);
	CHECK_EQ(atomic_load(&poll.wakeups), 0);
	slot_env_destroy(&e);
}

/* Any hypercall ends a doze at once: the call itself clears `dozing` and
 * signals the thread, which spins again (a doze's step may last
 * milliseconds nested, longer than a guest waits for its request to be
 * taken). */
TEST(fault_slot_hypercall_ends_the_doze)
{
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &slot_cfg, false)))
		return;
	struct shadow_poll poll = {0};
	/* 50 ms: no new doze between the call and the check below. */
	CHECK(start_poll_until_doze(&e, &poll, 50000));
	/* Not a shadow call: any hypercall says the guest runs. */
	CHECK(call(&e.hc, UMBRA_HC_STATS, UMBRA_STAT_EXITS, 0, 0) >= 0);
	CHECK(!atomic_load(&poll.dozing));
	stop_poll(&e, &poll);
	CHECK(poll.doze_activity >= 1);
	CHECK_EQ(poll.sleeps, 0);
	/* The call came just after the window: the thread left the doze
	 * with a window twice as long. */
	CHECK_EQ(poll.window_grows, 1);
	CHECK_EQ(poll.window_max_us, 100000);
	slot_env_destroy(&e);
}

/* In the thread: a window that grew is set back to the one given when a
 * later doze runs out (nothing came) and the thread sleeps. */
TEST(fault_slot_idle_window_set_back_after_a_sleep)
{
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &slot_cfg, false)))
		return;
	struct shadow_poll poll = {0};
	CHECK(start_poll_until_doze(&e, &poll, 20000)); /* 20 ms */
	CHECK(call(&e.hc, UMBRA_HC_STATS, UMBRA_STAT_EXITS, 0, 0) >= 0);
	/* Then nothing: 40 ms of spinning, a 200 ms doze, the sleep. */
	CHECK(wait_flag(&poll.asleep));
	stop_poll(&e, &poll);
	CHECK_EQ(poll.window_grows, 1);
	CHECK_EQ(poll.window_max_us, 40000);
	CHECK_EQ(poll.window_resets, 1);
	CHECK(poll.sleeps >= 1);
	slot_env_destroy(&e);
}

/* The idle window as KVM's halt polling adapts its own: it doubles when
 * a doze was ended by a request that came within the longest window, up
 * to 16 times the one given, and goes back to that one after a doze that
 * ran out or that a request ended later. */
TEST(fault_slot_idle_window_adapts)
{
	const uint64_t ms = 1000000, base = ms;
	CHECK_EQ(shadow_poll_next_window(base, base, 1500000, true), 2 * ms);
	CHECK_EQ(shadow_poll_next_window(2 * ms, base, 3 * ms, true), 4 * ms);
	CHECK_EQ(shadow_poll_next_window(8 * ms, base, 9 * ms, true), 16 * ms);
	/* Not past 16 x the one given. */
	CHECK_EQ(shadow_poll_next_window(16 * ms, base, 16 * ms, true), 16 * ms);
	CHECK_EQ(shadow_poll_next_window(12 * ms, base, 13 * ms, true), 16 * ms);
	/* A request later than the longest window, or none (the doze ran
	 * out): back to the one given. */
	CHECK_EQ(shadow_poll_next_window(4 * ms, base, 16 * ms + 1, true), base);
	CHECK_EQ(shadow_poll_next_window(4 * ms, base, 5 * ms, false), base);
	CHECK_EQ(shadow_poll_next_window(base, base, 201 * ms, false), base);
}

/* A guest that makes hypercalls is running: the thread stays awake while
 * they come, however long without a fault, and sleeps once they stop. */
TEST(fault_slot_poll_thread_awake_while_hypercalls_come)
{
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &slot_cfg, false)))
		return;
	struct shadow_poll poll = {0};
	CHECK_EQ(shadow_poll_start(&poll, &e.hc, 200000), 0); /* 200 ms */
	e.hc.poll = &poll;
	/* 600 ms of hypercalls 2 ms apart, none through the slot. */
	for (int i = 0; i < 300; i++) {
		CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_SYNC, 0, 0, 0), 0);
		nanosleep(&(struct timespec){0, 2000000}, NULL);
	}
	CHECK_EQ(poll.sleeps, 0);
	CHECK_EQ(atomic_load(&poll.wakeups), 0);
	/* Then none: it sleeps. */
	CHECK(wait_flag(&poll.asleep));
	stop_poll(&e, &poll);
	CHECK_EQ(poll.sleeps, 1);
	slot_env_destroy(&e);
}

/* What the poll thread watches between its scans under the lock: the
 * registered slots, and whether one holds a request nobody answered or
 * ended, from the slot alone. */
TEST(fault_slot_watched_without_the_lock)
{
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &slot_cfg, true)))
		return;
	struct umbra_shadow_fault_slot *sl = e.sl;
	const struct umbra_shadow_fault_slot *watch[SHADOW_MAX_VCPUS];
	bool complete = false;
	CHECK_EQ(shadow_fault_slots_watch(e.s.mmu, watch, &complete), 1);
	CHECK(watch[0] == sl);
	CHECK(complete);
	CHECK(!shadow_fault_slot_posted(sl));

	uint32_t seq = post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	CHECK(shadow_fault_slot_posted(sl));
	/* Half written: not yet. */
	__atomic_store_n(&sl->seq, seq + 1, __ATOMIC_RELAXED);
	CHECK(!shadow_fault_slot_posted(sl));
	__atomic_store_n(&sl->seq, seq, __ATOMIC_RELAXED);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK(!shadow_fault_slot_posted(sl));

	/* Given up by the guest, or ended by its hypercall: no longer. */
	seq = post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	uint32_t expect = seq - 2;
	CHECK(__atomic_compare_exchange_n(&sl->done, &expect, seq, false, __ATOMIC_SEQ_CST,
					  __ATOMIC_SEQ_CST));
	CHECK(!shadow_fault_slot_posted(sl));
	post(sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	CHECK(shadow_fault_slot_posted(sl));
	shadow_cancel_fault_slot(e.s.mmu, 0);
	CHECK(!shadow_fault_slot_posted(sl));

	/* Forgotten: nothing to watch, and the watcher is told so. */
	uint32_t gen = shadow_fault_slots_gen(e.s.mmu);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT_SLOT, 0, 0, 0), 0);
	CHECK(shadow_fault_slots_gen(e.s.mmu) != gen);
	complete = false;
	CHECK_EQ(shadow_fault_slots_watch(e.s.mmu, watch, &complete), 0);
	CHECK(complete);
	slot_env_destroy(&e);
}

/* The watched pointers go stale only with a change the generation shows:
 * the slot's frame dropped (then the watch is incomplete until the frame
 * is back, which no event announces), and the slot registered again.
 * Guest-driven work (a fault answered through the slot) leaves it alone;
 * host memory's moves are in test_host_mem.c. */
TEST(fault_slot_watch_generation)
{
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &slot_cfg, true)))
		return;
	const struct umbra_shadow_fault_slot *watch[SHADOW_MAX_VCPUS];
	bool complete = false;
	CHECK_EQ(shadow_fault_slots_watch(e.s.mmu, watch, &complete), 1);
	CHECK(complete);
	uint32_t gen = shadow_fault_slots_gen(e.s.mmu);

	CHECK_EQ(populate(&e.s, 0x9000), 0);
	post(e.sl, 0x400000, PFERR_U | PFERR_W, e.asid);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(e.sl->result, UMBRA_SHADOW_HANDLED);
	CHECK_EQ(shadow_fault_slots_gen(e.s.mmu), gen);

	/* The host takes the slot's frame: announced, and nothing to watch. */
	CHECK_EQ(p2m_clear(&e.s.p2m, e.slot_gpa >> 12, true), 0);
	CHECK(shadow_fault_slots_gen(e.s.mmu) != gen);
	gen = shadow_fault_slots_gen(e.s.mmu);
	CHECK_EQ(shadow_fault_slots_watch(e.s.mmu, watch, &complete), 0);
	CHECK(!complete);
	/* The guest's next touch brings a frame back, unannounced. */
	uint64_t maddr;
	CHECK_EQ(p2m_populate(&e.s.p2m, e.slot_gpa >> 12, &maddr), 0);
	CHECK_EQ(shadow_fault_slots_gen(e.s.mmu), gen);
	CHECK_EQ(shadow_fault_slots_watch(e.s.mmu, watch, &complete), 1);
	CHECK(complete);

	/* Registered again: announced. */
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT_SLOT, e.slot_gpa, 0, 0), 0);
	CHECK(shadow_fault_slots_gen(e.s.mmu) != gen);
	slot_env_destroy(&e);
}

/* Maps 0x400000 to gfn 9 again and fills it through the hypercall;
 * returns the hypercall's result. */
static int64_t refill(struct slot_env *e)
{
	g_map(&e->s, e->root, 0x400000, 0x9000, PTE_RW | PTE_US, 1);
	return call(&e->hc, UMBRA_HC_SHADOW_FAULT, 0x400000, PFERR_U | PFERR_W, e->asid);
}

/* The guest unmaps 0x400000, queues the unmap of [0x400000, end) and
 * posts a SYNC; the thread's pass. Returns the requests it answered. */
static unsigned unmap_and_sync(struct slot_env *e, struct umbra_shadow_fault_slot *sl,
			       struct umbra_shadow_ring *ring, uint64_t end)
{
	g_write(&e->s, g_entry(&e->s, e->root, 0x400000, 1, false), 0);
	sim_queue_op(ring, 0x400000, end, e->asid, UMBRA_SHADOW_EV_UNMAP);
	sim_slot_post(sl, UMBRA_SHADOW_SLOT_SYNC, 0, 0, 0);
	return shadow_answer_fault_slots(e->s.mmu);
}

/* A request half written (seq odd) is not read; a sync applies the queue
 * and asks the caller to flush, unless another vCPU must flush too. */
TEST(fault_slot_sync_and_half_written)
{
	struct shadow_config cfg = slot_cfg;
	cfg.nr_vcpus = 2;
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &cfg, true)))
		return;
	struct umbra_shadow_fault_slot *sl = e.sl;
	CHECK_EQ(populate(&e.s, 0x9000), 0);
	uint64_t ring_gpa = g_alloc_table(&e.s);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_QUEUE, ring_gpa, 0, 0), 0);
	struct umbra_shadow_ring *ring = p2m_writable_ptr(&e.s.p2m, ring_gpa);

	/* Half written: not read, whatever it holds. */
	__atomic_store_n(&sl->seq, sl->seq + 1, __ATOMIC_SEQ_CST);
	sl->op = UMBRA_SHADOW_SLOT_FAULT;
	sl->addr = 0x400000;
	sl->error_code = PFERR_U | PFERR_W;
	sl->asid = e.asid;
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 0);
	__atomic_store_n(&sl->seq, sl->seq + 1, __ATOMIC_SEQ_CST);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(sl->result, UMBRA_SHADOW_HANDLED);
	CHECK(shadowed(&e.s, 0x400000, WALK_WRITE));

	/* The guest unmaps and queues; a sync from the slot zaps, and the
	 * caller flushes that page (its own address space). */
	CHECK_EQ(unmap_and_sync(&e, sl, ring, 0x401000), 1);
	CHECK_EQ(sl->done, sl->seq);
	CHECK_EQ((uint64_t)sl->result, UMBRA_SHADOW_FLUSH_RANGES);
	CHECK_EQ(sl->flush[0].start, 0x400000);
	CHECK_EQ(sl->flush[0].pages, 1);
	CHECK(!shadowed(&e.s, 0x400000, 0));

	/* More pages than INVLPG is worth: a whole flush. */
	CHECK_EQ(refill(&e), UMBRA_SHADOW_HANDLED);
	CHECK_EQ(unmap_and_sync(&e, sl, ring, 0x800000), 1);
	CHECK_EQ((uint64_t)sl->result, UMBRA_SHADOW_FLUSH);

	/* vCPU 1 runs the same address space: its flush needs a kick, which
	 * only the hypercall makes. */
	struct hc_outcome out;
	struct hc_call c = {UMBRA_HC_SHADOW_AS_ACTIVATE, {e.asid, 0, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ(refill(&e), UMBRA_SHADOW_HANDLED);
	CHECK_EQ(unmap_and_sync(&e, sl, ring, 0x401000), 1);
	CHECK_EQ(sl->result, UMBRA_SHADOW_DECLINED);
	CHECK_EQ(shadow_pending_flushes(e.s.mmu, 0), 2);

	/* An unknown op: -EINVAL, nothing else. */
	sim_slot_post(sl, 7, 0, 0, 0);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(sl->result, -UMBRA_EINVAL);
	struct shadow_stats ss;
	shadow_get_stats(e.s.mmu, &ss);
	CHECK_EQ(ss.slot_syncs, 2);
	slot_env_destroy(&e);
}

static bool kernel_shadowed(struct sim *s, uint64_t va)
{
	struct walk_result r;
	return sim_shadow_walk(s, va, WALK_WRITE, 0, false, &r) == WALK_OK;
}

/*
 * A sync whose queue frees another address space's root (pinned pages went
 * with it, so the pins are refreshed) evicts nothing: the answer runs while
 * the vCPU does, and an eviction could take its kernel stack (a double
 * fault; CI saw one under --shadow-budget 32). Pins still shadowed need no
 * page; where a refill would, the answer is declined and the hypercall
 * refills them.
 */
TEST(fault_slot_answer_after_a_freed_root_evicts_nothing)
{
	struct shadow_config cfg = slot_cfg;
	cfg.budget_pages = 64;
	struct slot_env e;
	if (!slot_env_ready(failed_, slot_env_init(&e, &cfg, true)))
		return;
	const uint64_t kva = 0xffffffff80000000ull, stack = 0xffff888000010000ull;
	for (unsigned i = 0; i < 4; i++) {
		g_map(&e.s, e.root, kva + i * 4096ull, (40 + i) * 4096ull, PTE_RW, 1);
		CHECK_EQ(populate(&e.s, (40 + i) * 4096ull), 0);
	}
	g_map(&e.s, e.root, stack, 0x50000, PTE_RW, 1);
	CHECK_EQ(populate(&e.s, 0x50000), 0);
	CHECK_EQ(populate(&e.s, 0x9000), 0);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_PIN, kva, kva + 4 * 4096, 0), 0);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT, stack, PFERR_W, e.asid),
		 UMBRA_SHADOW_HANDLED);
	uint64_t ring_gpa = g_alloc_table(&e.s);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_QUEUE, ring_gpa, 0, 0), 0);
	struct umbra_shadow_ring *ring = p2m_writable_ptr(&e.s.p2m, ring_gpa);
	/* A second address space with the kernel's tables, run and left
	 * (the vCPU's next call settles that): its root stays, with the
	 * pinned pages under it. */
	uint64_t root2 = g_alloc_table(&e.s);
	for (unsigned i = 256; i < 512; i++)
		g_write(&e.s, root2 + i * 8, g_read(&e.s, e.root + i * 8));
	int64_t asid2 = call(&e.hc, UMBRA_HC_SHADOW_AS_CREATE, root2, 0, 0);
	CHECK(asid2 > 0);
	CHECK_EQ(sim_activate(&e.s, (uint32_t)asid2, root2), 0);
	CHECK_EQ(sim_activate(&e.s, e.asid, e.root), 0);
	CHECK_EQ(refill(&e), UMBRA_SHADOW_HANDLED);
	/* A neighbour keeps the user tables when 0x400000 is unmapped. */
	g_map(&e.s, e.root, 0x401000, 0xa000, PTE_RW | PTE_US, 1);
	CHECK_EQ(populate(&e.s, 0xa000), 0);
	CHECK_EQ(call(&e.hc, UMBRA_HC_SHADOW_FAULT, 0x401000, PFERR_U | PFERR_W, e.asid),
		 UMBRA_SHADOW_HANDLED);
	CHECK(kernel_shadowed(&e.s, stack));
	/* Two pages short of the budget once the release frees the second
	 * root and its tables: a pin refill that asked for room would
	 * evict. The unmap after it makes the refill. */
	struct shadow_mmu *mmu = e.s.mmu;
	mmu->budget = mmu->nr_sps - 2;
	uint64_t evicted = mmu->stats.sp_evicted;
	sim_queue_op(ring, 0, 0, (uint32_t)asid2, UMBRA_SHADOW_EV_RELEASE);
	CHECK_EQ(unmap_and_sync(&e, e.sl, ring, 0x401000), 1);
	CHECK(e.sl->result >= 0 && e.sl->result != UMBRA_SHADOW_DECLINED);
	CHECK_EQ(mmu->stats.sp_evicted, evicted);
	CHECK(kernel_shadowed(&e.s, stack));
	for (unsigned i = 0; i < 4; i++)
		CHECK(kernel_shadowed(&e.s, kva + i * 4096ull));

	/* The guest repoints a pinned page and queues it, at the budget: the
	 * refill asks for room, so the answer declines, evicting nothing,
	 * and the hypercall that follows refills the pin. */
	g_write(&e.s, g_entry(&e.s, e.root, kva, 1, false), 60 * 4096ull | PTE_P | PTE_RW);
	CHECK_EQ(populate(&e.s, 60 * 4096ull), 0);
	mmu->budget = mmu->nr_sps;
	sim_queue_op(ring, kva, kva + 4096, e.asid, UMBRA_SHADOW_EV_CLEAR);
	sim_slot_post(e.sl, UMBRA_SHADOW_SLOT_SYNC, 0, 0, 0);
	CHECK_EQ(shadow_answer_fault_slots(mmu), 1);
	CHECK_EQ(e.sl->result, UMBRA_SHADOW_DECLINED);
	CHECK_EQ(mmu->stats.sp_evicted, evicted);
	CHECK(kernel_shadowed(&e.s, stack));
	CHECK(call(&e.hc, UMBRA_HC_SHADOW_SYNC, 0, 0, 0) >= 0);
	CHECK(kernel_shadowed(&e.s, kva));
	CHECK_EQ(sim_audit(&e.s), 0);
	slot_env_destroy(&e);
}

/* A fault-around window the test's "guest" writes: 0x410000..0x41ffff
 * (the leaf table slot_env_init made), onto gfns 0x20..0x2f, accessed. */
#define STREAM_VA 0x410000ull
struct stream_writer {
	pthread_t thread;
	uint64_t *pte[16];       /* the guest's 16 entries */
	struct umbra_shadow_fault_slot *sl;
	uint32_t seq;            /* stored in stream_end after the entries */
	long delay_ns;           /* before each entry */
	/* Set: the entries are written only once the answer waits for the
	 * first (its count of entries waited for moved), or after 5 s. */
	const uint64_t *waits;
};

static void *stream_write(void *arg)
{
	struct stream_writer *w = arg;
	for (int i = 0; w->waits && i < 50000 && !__atomic_load_n(w->waits, __ATOMIC_RELAXED); i++)
		nanosleep(&(struct timespec){0, 100000}, NULL);
	for (unsigned i = 0; i < 16; i++) {
		nanosleep(&(struct timespec){0, w->delay_ns}, NULL);
		__atomic_store_n(w->pte[i], ((0x20ull + i) << 12) | PTE_P | PTE_US | PTE_A,
				 __ATOMIC_RELEASE);
	}
	__atomic_store_n(&w->sl->stream_end, w->seq, __ATOMIC_RELEASE);
	return NULL;
}

static int stream_env_init(struct slot_env *e, uint64_t wait_ns, struct stream_writer *w)
{
	struct shadow_config cfg = slot_cfg;
	cfg.prefetch = 16;
	cfg.stream_wait_ns = wait_ns;
	if (slot_env_init(e, &cfg, true))
		return -1;
	*w = (struct stream_writer){.sl = e->sl};
	for (unsigned i = 0; i < 16; i++) {
		uint64_t ea = g_entry(&e->s, e->root, STREAM_VA + i * 4096ull, 1, false);
		w->pte[i] = ea ? p2m_writable_ptr(&e->s.p2m, ea) : NULL;
		if (!w->pte[i] || populate(&e->s, (0x20ull + i) << 12)) {
			slot_env_destroy(e);
			return -1;
		}
	}
	return 0;
}

/*
 * A streamed fault (UMBRA_SHADOW_FAULT_STREAM): posted before the guest
 * writes its fault-around's entries. The answer waits for each entry of
 * the window as the guest writes it, until the guest ends the stream, and
 * fills them all: the faulting one and 15 by prefetch. A stream the guest
 * never ends stops waiting after cfg.stream_wait_ns; a write cannot
 * stream.
 */
TEST(fault_slot_stream_fills_entries_as_written)
{
	struct slot_env e;
	struct stream_writer w;
	/* A generous wait: the writer's sleeps, not the budget, decide. */
	if (!slot_env_ready(failed_, stream_env_init(&e, 5000000000ull, &w)))
		return;
	uint64_t fault_va = STREAM_VA + 5 * 4096;
	w.seq = sim_slot_post_flags(e.sl, UMBRA_SHADOW_SLOT_FAULT, fault_va, PFERR_U, e.asid,
				    UMBRA_SHADOW_FAULT_STREAM);
	w.delay_ns = 200000;
	w.waits = &e.s.mmu->stats.slot_stream_waits;
	CHECK_EQ(pthread_create(&w.thread, NULL, stream_write, &w), 0);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	pthread_join(w.thread, NULL);
	CHECK_EQ(e.sl->done, w.seq);
	CHECK_EQ(e.sl->result, UMBRA_SHADOW_HANDLED);
	for (unsigned i = 0; i < 16; i++)
		CHECK(shadowed(&e.s, STREAM_VA + i * 4096ull, 0));
	struct shadow_stats ss;
	shadow_get_stats(e.s.mmu, &ss);
	CHECK_EQ(ss.slot_streams, 1);
	CHECK_EQ(ss.fills, 1);
	CHECK_EQ(ss.prefetched, 15);
	/* Every entry was written while it answered (the writer started
	 * once it waited for the faulting one), and it never ran out. */
	CHECK(ss.slot_stream_waits >= 1);
	CHECK_EQ(ss.slot_stream_timeouts, 0);
	CHECK_EQ(sim_audit(&e.s), 0);
	slot_env_destroy(&e);
}

TEST(fault_slot_stream_wait_runs_out)
{
	struct slot_env e;
	struct stream_writer w;
	if (!slot_env_ready(failed_, stream_env_init(&e, 2000000, &w))) /* 2 ms */
		return;
	/* Nobody writes the entry nor ends the stream: reflected, as an
	 * unmapped address is, after the wait. */
	uint32_t seq = sim_slot_post_flags(e.sl, UMBRA_SHADOW_SLOT_FAULT, STREAM_VA, PFERR_U,
					   e.asid, UMBRA_SHADOW_FAULT_STREAM);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(e.sl->done, seq);
	CHECK_EQ(e.sl->result & 0xff, UMBRA_SHADOW_REFLECT);
	struct shadow_stats ss;
	shadow_get_stats(e.s.mmu, &ss);
	CHECK_EQ(ss.slot_stream_timeouts, 1);

	/* Ended before the answer, the entries there: no wait at all. */
	w.seq = sim_slot_post_flags(e.sl, UMBRA_SHADOW_SLOT_FAULT, STREAM_VA, PFERR_U, e.asid,
				    UMBRA_SHADOW_FAULT_STREAM);
	w.delay_ns = 0;
	stream_write(&w);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(e.sl->result, UMBRA_SHADOW_HANDLED);
	shadow_get_stats(e.s.mmu, &ss);
	CHECK_EQ(ss.slot_stream_waits, 1); /* the first request's */
	CHECK_EQ(ss.prefetched, 15);

	/* A write does not stream: declined. */
	sim_slot_post_flags(e.sl, UMBRA_SHADOW_SLOT_FAULT, STREAM_VA, PFERR_U | PFERR_W, e.asid,
			    UMBRA_SHADOW_FAULT_STREAM);
	CHECK_EQ(shadow_answer_fault_slots(e.s.mmu), 1);
	CHECK_EQ(e.sl->result, UMBRA_SHADOW_DECLINED);
	slot_env_destroy(&e);
}
