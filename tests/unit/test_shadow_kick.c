/* SPDX-License-Identifier: MIT */
/*
 * Kicks (vmm/shadow_kick.c): a waiter is released only by an
 * acknowledgment that comes after its kick (KICK_ACK with a sequence read
 * after the request, or a shadow hypercall after a result that promised a
 * flush); and the shadow MMU's side of zaps from other threads
 * (shadow_gfn_remote_ok, shadow_zap_gfn_user): only user leaves go.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "test.h"

#include "hc_test.h"
#include "host_mem_vm.h"
#include "hypercall.h"
#include "shadow_kick.h"
#include "shadow_sim.h"

/* A guest vCPU: each interrupt the VMM sends it runs the handler (read the
 * sequence, "flush", acknowledge it) unless it runs with interrupts off. */
struct fake_guest {
	struct shadow_kick *k;
	unsigned vcpu;
	atomic_int pending;     /* interrupts sent, not yet handled */
	atomic_bool masked;     /* interrupts off: they stay pending */
	atomic_bool stop;
	atomic_int handled;
	pthread_t thread;
	/* When set: before its first acknowledgment the guest writes
	 * stale_value through its TLB, which still maps this machine address
	 * until that flush (a store in flight meanwhile). */
	uint64_t *stale;
	uint64_t stale_value;
	/* When set, it acknowledges through the KICK_ACK hypercall, which
	 * also takes its flush flag in the MMU, as the guest does. */
	struct hc_state *hc;
};

static int fake_send(void *opaque, unsigned vcpu)
{
	struct fake_guest *g = opaque;
	if (vcpu != g->vcpu)
		return -EINVAL;
	atomic_fetch_add(&g->pending, 1);
	return 0;
}

static void *fake_guest_run(void *arg)
{
	struct fake_guest *g = arg;
	while (!atomic_load(&g->stop)) {
		if (atomic_load(&g->masked) || atomic_load(&g->pending) == 0) {
			usleep(200);
			continue;
		}
		atomic_store(&g->pending, 0); /* EOI: later ones come again */
		if (g->stale)
			__atomic_store_n(g->stale, g->stale_value, __ATOMIC_RELAXED);
		g->stale = NULL; /* flushed below: no more stale stores */
		if (g->hc) {
			/* Counted first: the waiter goes on at the ack. */
			atomic_fetch_add(&g->handled, 1);
			struct hc_call ack = {UMBRA_HC_SHADOW_KICK_ACK, {0, 0, 0, 0, 0}};
			struct hc_outcome out;
			hc_dispatch_vcpu(g->hc, g->vcpu, &ack, &out);
			ack.args[0] = out.ret;
			if ((int64_t)out.ret > 0)
				hc_dispatch_vcpu(g->hc, g->vcpu, &ack, &out);
			continue;
		}
		int64_t seq = shadow_kick_ack(g->k, g->vcpu, 0);
		/* the CR3 reload would be here */
		if (seq > 0)
			shadow_kick_ack(g->k, g->vcpu, (uint64_t)seq);
		atomic_fetch_add(&g->handled, 1);
	}
	return NULL;
}

TEST(shadow_kick_waits_for_the_ack)
{
	struct shadow_kick k;
	struct fake_guest g = {.k = &k, .vcpu = 1};
	atomic_bool stopping = false;
	shadow_kick_init(&k, 2, fake_send, &g, &stopping);
	uint64_t ticket[SHADOW_KICK_MAX_VCPUS] = {0};
	/* Interrupts off: nobody acknowledges, the wait gives up. */
	atomic_store(&g.masked, true);
	CHECK_EQ(pthread_create(&g.thread, NULL, fake_guest_run, &g), 0);
	CHECK_EQ(shadow_kick_request(&k, 1u << 1, ticket), 1u << 1);
	CHECK_EQ(ticket[1], 1);
	CHECK_EQ(shadow_kick_wait(&k, 1u << 1, ticket, 60), -ETIMEDOUT);
	CHECK(!shadow_kick_idle(&k, 1));
	/* Sent again while it waited, every slice. */
	CHECK(atomic_load(&g.pending) >= 2);
	/* Interrupts on: the pending one is handled and acknowledged. */
	atomic_store(&g.masked, false);
	CHECK_EQ(shadow_kick_wait(&k, 1u << 1, ticket, 5000), 0);
	CHECK(shadow_kick_idle(&k, 1));
	/* A second kick needs a second acknowledgment. */
	CHECK_EQ(shadow_kick_request(&k, 1u << 1, ticket), 1u << 1);
	CHECK_EQ(ticket[1], 2);
	CHECK_EQ(shadow_kick_wait(&k, 1u << 1, ticket, 5000), 0);
	atomic_store(&g.stop, true);
	pthread_join(g.thread, NULL);
	struct shadow_kick_stats st;
	shadow_kick_get_stats(&k, &st);
	CHECK_EQ(st.barriers, 3);
	CHECK_EQ(st.timeouts, 1);
	CHECK(st.kicks >= 3);
	CHECK_EQ(st.acks, 2);
	CHECK(atomic_load(&g.handled) >= 2);
	/* vCPU 0 was never asked: nothing to wait for. */
	CHECK(shadow_kick_idle(&k, 0));
	shadow_kick_destroy(&k);
}

TEST(shadow_kick_stale_ack_does_not_count)
{
	struct shadow_kick k;
	shadow_kick_init(&k, 1, NULL, NULL, NULL);
	uint64_t ticket[SHADOW_KICK_MAX_VCPUS] = {0};
	/* The guest read the sequence (0) and flushed before the zap. */
	int64_t seen = shadow_kick_ack(&k, 0, 0);
	CHECK_EQ(seen, 0);
	shadow_kick_request(&k, 1, ticket);
	CHECK_EQ(shadow_kick_ack(&k, 0, (uint64_t)seen), 1);
	CHECK_EQ(shadow_kick_wait(&k, 1, ticket, 30), -ETIMEDOUT);
	/* A sequence never given out is refused, and acknowledges nothing. */
	CHECK_EQ(shadow_kick_ack(&k, 0, 2), -EINVAL);
	CHECK_EQ(shadow_kick_ack(&k, 5, 0), -EINVAL);
	CHECK(!shadow_kick_idle(&k, 0));
	CHECK_EQ(shadow_kick_ack(&k, 0, 1), 1);
	CHECK_EQ(shadow_kick_wait(&k, 1, ticket, 30), 0);
	struct shadow_kick_stats st;
	shadow_kick_get_stats(&k, &st);
	/* No sender: each try counts as failed, the ack still ends it. */
	CHECK(st.kick_failed >= 1);
	CHECK_EQ(st.kicks, 0);
	shadow_kick_destroy(&k);
}

TEST(shadow_kick_promise_then_exit)
{
	struct shadow_kick k;
	shadow_kick_init(&k, 1, NULL, NULL, NULL);
	uint64_t ticket[SHADOW_KICK_MAX_VCPUS] = {0};
	/* A result promising a flush before the kick covers nothing. */
	shadow_kick_promise(&k, 0);
	shadow_kick_request(&k, 1, ticket);
	shadow_kick_confirm(&k, 0);
	CHECK(!shadow_kick_idle(&k, 0));
	/* One after it: the vCPU's next shadow hypercall confirms it. */
	shadow_kick_promise(&k, 0);
	CHECK(!shadow_kick_idle(&k, 0));
	CHECK_EQ(shadow_kick_wait(&k, 1, ticket, 0), -ETIMEDOUT);
	shadow_kick_confirm(&k, 0);
	CHECK(shadow_kick_idle(&k, 0));
	CHECK_EQ(shadow_kick_wait(&k, 1, ticket, 0), 0);
	struct shadow_kick_stats st;
	shadow_kick_get_stats(&k, &st);
	CHECK_EQ(st.promises, 1);
	shadow_kick_destroy(&k);
}

TEST(shadow_kick_vm_stopping_ends_the_wait)
{
	struct shadow_kick k;
	atomic_bool stopping = true;
	shadow_kick_init(&k, 1, NULL, NULL, &stopping);
	uint64_t ticket[SHADOW_KICK_MAX_VCPUS] = {0};
	shadow_kick_request(&k, 1, ticket);
	CHECK_EQ(shadow_kick_wait(&k, 1, ticket, 100000), -ECANCELED);
	struct shadow_kick_stats st;
	shadow_kick_get_stats(&k, &st);
	CHECK_EQ(st.cancelled, 1);
	shadow_kick_destroy(&k);
}

/* The hypercall: KICK_ACK goes to the kick state; a shadow hypercall whose
 * result carries UMBRA_SHADOW_FLUSH promises, the next one confirms. */
TEST(shadow_kick_hypercalls)
{
	struct guest_mem gm;
	struct stats st;
	struct hc_state hc;
	struct hc_outcome out;
	hc_test_init(&hc, &gm, &st);
	struct hc_call ack = {UMBRA_HC_SHADOW_KICK_ACK, {0, 0, 0, 0, 0}};
	hc_dispatch(&hc, &ack, &out);
	CHECK_EQ((int64_t)out.ret, -UMBRA_ENOSYS);

	struct sim s;
	struct shadow_config cfg = {.efer_nxe = true, .maxphyaddr = 46, .nr_vcpus = 1};
	CHECK_EQ(sim_init(&s, 2048, 4096, &cfg), 0);
	hc_set_shadow(&hc, s.mmu);
	struct shadow_kick k;
	shadow_kick_init(&k, 1, NULL, NULL, NULL);
	hc.kick = &k;
	uint64_t root = g_alloc_table(&s);
	g_map(&s, root, 0x400000, 7 * 4096, PTE_RW | PTE_US, 1);
	struct hc_call c = {UMBRA_HC_SHADOW_AS_CREATE, {root, 0, 0, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	uint32_t asid = (uint32_t)out.ret;
	c = (struct hc_call){UMBRA_HC_SHADOW_AS_ACTIVATE, {asid, 0, 0, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	c = (struct hc_call){UMBRA_HC_SHADOW_FAULT, {0x400000, 0, asid, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	CHECK_EQ(out.ret, UMBRA_SHADOW_HANDLED);

	/* Another thread zaps the user page and asks vCPU 0 for a flush. */
	uint64_t ticket[SHADOW_KICK_MAX_VCPUS] = {0};
	CHECK(shadow_gfn_remote_ok(s.mmu, 7, false));
	CHECK(shadow_zap_gfn_user(s.mmu, 7, 1) >= 1);
	CHECK_EQ(shadow_pending_flushes(s.mmu, ~0u), 1);
	shadow_kick_request(&k, 1, ticket);
	/* The kick handler: KICK_ACK(0) gives the sequence, KICK_ACK(seq)
	 * after the flush acknowledges it and drops the MMU's flag. */
	hc_dispatch(&hc, &ack, &out);
	CHECK_EQ(out.ret, 1);
	ack.args[0] = 1;
	hc_dispatch(&hc, &ack, &out);
	CHECK_EQ(out.ret, 1);
	CHECK(shadow_kick_idle(&k, 0));
	CHECK_EQ(shadow_pending_flushes(s.mmu, ~0u), 0);
	ack.args[0] = 9;
	hc_dispatch(&hc, &ack, &out);
	CHECK_EQ((int64_t)out.ret, -UMBRA_EINVAL);

	/* Again, now acknowledged by the next shadow hypercall: the fault
	 * that refills the page carries the flush (the flag is still set),
	 * and a vCPU in a shadow hypercall is not in the guest: the flush
	 * its result asks for covers the kick. */
	c = (struct hc_call){UMBRA_HC_SHADOW_FAULT, {0x400000, 0, asid, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	CHECK(!out.flush_tlb);
	CHECK(shadow_zap_gfn_user(s.mmu, 7, 1) >= 1);
	shadow_kick_request(&k, 1, ticket);
	c = (struct hc_call){UMBRA_HC_SHADOW_FAULT, {0x400000, 0, asid, 0, 0}};
	hc_dispatch(&hc, &c, &out);
	CHECK(out.flush_tlb);
	CHECK(shadow_kick_idle(&k, 0));
	/* A kick asked while the call runs (another thread's zap): the
	 * result carries the flush though the call itself zapped nothing. */
	shadow_kick_enter(&k, 0);
	shadow_kick_request(&k, 1, ticket);
	CHECK_EQ(shadow_kick_wait(&k, 1, ticket, 0), 0);
	CHECK(shadow_kick_leave(&k, 0));
	CHECK(shadow_kick_idle(&k, 0));
	CHECK(!shadow_kick_leave(&k, 0));
	shadow_kick_destroy(&k);
	sim_destroy(&s);
	hc_destroy(&hc);
}

/* Only user leaves go: a frame the kernel maps (supervisor) is never
 * taken, and a user frame's supervisor alias survives a remote zap. */
TEST(shadow_remote_zap_only_user_leaves)
{
	struct sim s;
	uint32_t ec = 0;
	struct shadow_config cfg = {.efer_nxe = true, .maxphyaddr = 46, .prefetch = 0,
				    .nr_vcpus = 1};
	CHECK_EQ(sim_init(&s, 2048, 4096, &cfg), 0);
	uint64_t root = g_alloc_table(&s);
	int64_t a = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, root, 0, 0, 0);
	CHECK(a > 0 && sim_activate(&s, (uint32_t)a, root) == 0);
	const uint64_t uva = 0x400000, kva = 0xffff888000000000ull;
	/* Frame 7: a user page, also seen by the kernel (4K alias); frame 9:
	 * the kernel's only (a stack, say). */
	g_map(&s, root, uva, 7 * 4096, PTE_RW | PTE_US, 1);
	g_map(&s, root, kva + 7 * 4096, 7 * 4096, PTE_RW, 1);
	g_map(&s, root, kva + 9 * 4096, 9 * 4096, PTE_RW, 1);
	CHECK_EQ(sim_access(&s, uva, 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_access(&s, kva + 7 * 4096, 0, 0, &ec), SIM_OK);
	CHECK_EQ(sim_access(&s, kva + 9 * 4096, 0, 0, &ec), SIM_OK);
	CHECK(shadow_gfn_remote_ok(s.mmu, 7, false));
	CHECK(shadow_gfn_remote_ok(s.mmu, 7, true));
	CHECK(!shadow_gfn_remote_ok(s.mmu, 9, false));
	CHECK(!shadow_gfn_remote_ok(s.mmu, 9, true));
	CHECK(!shadow_gfn_remote_ok(s.mmu, 11, false)); /* not mapped at all */
	CHECK_EQ(shadow_zap_gfn_user(s.mmu, 7, 3), 1);
	struct walk_result r;
	CHECK_EQ(sim_shadow_walk(&s, uva, 0, 3, false, &r), WALK_PF);
	CHECK_EQ(sim_shadow_walk(&s, kva + 7 * 4096, 0, 0, false, &r), WALK_OK);
	CHECK_EQ(sim_shadow_walk(&s, kva + 9 * 4096, 0, 0, false, &r), WALK_OK);
	/* A 2M supervisor leaf over a user frame's region: not movable (the
	 * zap would take the neighbours), but its user leaves may still go. */
	g_map(&s, root, kva + (2ull << 20), 2ull << 20, PTE_RW, 2);
	g_map(&s, root, uva + 4096, (512 + 5) * 4096, PTE_RW | PTE_US, 1);
	CHECK_EQ(sim_access(&s, kva + (2ull << 20) + 4096, 0, 0, &ec), SIM_OK);
	CHECK_EQ(sim_access(&s, uva + 4096, 0, 3, &ec), SIM_OK);
	if (sim_shadow_walk(&s, kva + (2ull << 20), 0, 0, false, &r) == WALK_OK &&
	    r.level == 2) {
		CHECK(!shadow_gfn_remote_ok(s.mmu, 512 + 5, true));
	}
	CHECK(shadow_gfn_remote_ok(s.mmu, 512 + 5, false));
	CHECK_EQ(sim_audit(&s), 0);
	sim_destroy(&s);
}

/* A vCPU in a shadow hypercall counts as acknowledged at once (its result
 * makes it flush); outside one it must answer the interrupt. */
TEST(shadow_kick_in_call_is_an_ack)
{
	struct shadow_kick k;
	struct fake_guest g = {.k = &k, .vcpu = 1};
	shadow_kick_init(&k, 2, fake_send, &g, NULL);
	uint64_t ticket[SHADOW_KICK_MAX_VCPUS] = {0};
	shadow_kick_enter(&k, 1);
	shadow_kick_request(&k, 1u << 1, ticket);
	CHECK_EQ(shadow_kick_wait(&k, 1u << 1, ticket, 1000), 0);
	CHECK_EQ(atomic_load(&g.pending), 0); /* no interrupt needed */
	CHECK(shadow_kick_leave(&k, 1));
	CHECK(shadow_kick_idle(&k, 1));
	/* Back in the guest, interrupts off and nobody answering. */
	shadow_kick_request(&k, 1u << 1, ticket);
	CHECK_EQ(shadow_kick_wait(&k, 1u << 1, ticket, 40), -ETIMEDOUT);
	CHECK(atomic_load(&g.pending) >= 1);
	struct shadow_kick_stats st;
	shadow_kick_get_stats(&k, &st);
	CHECK_EQ(st.in_call, 1);
	CHECK_EQ(st.timeouts, 1);
	shadow_kick_destroy(&k);
}

/* Two vCPUs whose hypercalls zap what the other caches kick each other at
 * the same time: neither answers interrupts while it waits, yet both go
 * on, and both results carry the flush. */
struct cross {
	struct shadow_kick *k;
	unsigned self;
	pthread_barrier_t *bar;
	int wait_result;
	bool owed;
};

static void *cross_call(void *arg)
{
	struct cross *c = arg;
	uint64_t ticket[SHADOW_KICK_MAX_VCPUS] = {0};
	uint64_t other = 1ull << (1 - c->self);
	shadow_kick_enter(c->k, c->self);
	pthread_barrier_wait(c->bar);
	shadow_kick_request(c->k, other, ticket);
	pthread_barrier_wait(c->bar);
	c->wait_result = shadow_kick_wait(c->k, other, ticket, 5000);
	pthread_barrier_wait(c->bar);
	c->owed = shadow_kick_leave(c->k, c->self);
	return NULL;
}

TEST(shadow_kick_two_vcpus_kick_each_other)
{
	struct shadow_kick k;
	shadow_kick_init(&k, 2, NULL, NULL, NULL);
	pthread_barrier_t bar;
	pthread_barrier_init(&bar, NULL, 2);
	struct cross c[2] = {{&k, 0, &bar, -1, false}, {&k, 1, &bar, -1, false}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, cross_call, &c[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(c[i].wait_result, 0);
		CHECK(c[i].owed);
		CHECK(shadow_kick_idle(&k, (unsigned)i));
	}
	struct shadow_kick_stats st;
	shadow_kick_get_stats(&k, &st);
	CHECK_EQ(st.timeouts, 0);
	CHECK_EQ(st.kicks + st.kick_failed, 0); /* never had to send one */
	pthread_barrier_destroy(&bar);
	shadow_kick_destroy(&k);
}

/* Two vCPUs running one address space whose user pages at 0x400000 the
 * guest maps; kicks go through send. */
struct kick_env {
	struct guest_mem gm;
	struct stats st;
	struct hc_state hc;
	struct sim s;
	struct shadow_kick k;
	atomic_bool stopping;
	uint64_t root, asid;
};

/* hm: with host memory (sim_init_opt), for host_mem_vm's tests. */
static int kick_env_init_opt(struct kick_env *e, int (*send)(void *, unsigned), void *opaque,
			     bool hm)
{
	struct shadow_config cfg = {.efer_nxe = true, .maxphyaddr = 46, .nr_vcpus = 2,
				    .prefetch = 0};
	hc_test_init(&e->hc, &e->gm, &e->st);
	if (sim_init_opt(&e->s, 2048, 4096, &cfg, hm))
		return -1;
	hc_set_shadow(&e->hc, e->s.mmu);
	atomic_init(&e->stopping, false);
	shadow_kick_init(&e->k, 2, send, opaque, &e->stopping);
	e->hc.kick = &e->k;
	e->root = g_alloc_table(&e->s);
	g_map(&e->s, e->root, 0x400000, 16 * 4096, PTE_RW | PTE_US, 1);
	struct hc_outcome out;
	struct hc_call c = {UMBRA_HC_SHADOW_AS_CREATE, {e->root, 0, 0, 0, 0}};
	hc_dispatch(&e->hc, &c, &out);
	e->asid = out.ret;
	c = (struct hc_call){UMBRA_HC_SHADOW_AS_ACTIVATE, {e->asid, 0, 0, 0, 0}};
	hc_dispatch_vcpu(&e->hc, 0, &c, &out);
	hc_dispatch_vcpu(&e->hc, 1, &c, &out);
	e->s.cr3 = out.ret;
	return 0;
}

static int kick_env_init(struct kick_env *e, int (*send)(void *, unsigned), void *opaque)
{
	return kick_env_init_opt(e, send, opaque, false);
}

static void kick_env_destroy(struct kick_env *e)
{
	shadow_kick_destroy(&e->k);
	sim_destroy(&e->s);
	hc_destroy(&e->hc);
}

/* The dispatcher: vCPU 0's own unmap zaps what vCPU 1 caches; the call
 * kicks vCPU 1, shadows its kernel stack again (its hint) and returns only
 * once vCPU 1 flushed. */
TEST(shadow_kick_own_hypercall_waits_for_the_other_vcpu)
{
	struct kick_env e;
	struct fake_guest g = {.k = &e.k, .vcpu = 1};
	CHECK_EQ(kick_env_init(&e, fake_send, &g), 0);
	uint64_t asid = e.asid;
	struct hc_outcome out;
	/* A "kernel stack" of two pages at 0x600000 (supervisor), and the
	 * word holding its top. */
	g_map(&e.s, e.root, 0x600000, 32 * 4096, PTE_RW, 1);
	g_map(&e.s, e.root, 0x601000, 33 * 4096, PTE_RW, 1);
	uint64_t hint = g_alloc_table(&e.s);
	g_write(&e.s, hint, 0x602000);
	struct hc_call c = {UMBRA_HC_SHADOW_STACK_HINT, {hint, 8192, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ(out.ret, 0);
	/* Bad hints are refused. */
	c = (struct hc_call){UMBRA_HC_SHADOW_STACK_HINT, {hint + 3, 8192, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ((int64_t)out.ret, -UMBRA_EINVAL);
	c = (struct hc_call){UMBRA_HC_SHADOW_STACK_HINT, {hint, 1 << 20, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ((int64_t)out.ret, -UMBRA_EINVAL);
	c = (struct hc_call){UMBRA_HC_SHADOW_FAULT, {0x400000, PFERR_U, asid, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ(out.ret, UMBRA_SHADOW_HANDLED);
	c = (struct hc_call){UMBRA_HC_SHADOW_FAULT, {0x601000, PFERR_W, asid, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ(out.ret, UMBRA_SHADOW_HANDLED);
	struct walk_result wr;
	CHECK_EQ(sim_shadow_walk(&e.s, 0x601000, 0, 0, false, &wr), WALK_OK);
	CHECK(sim_shadow_walk(&e.s, 0x600000, 0, 0, false, &wr) != WALK_OK);

	/* vCPU 1 answers kicks; vCPU 0 zaps all of it (both ranges). */
	CHECK_EQ(pthread_create(&g.thread, NULL, fake_guest_run, &g), 0);
	c = (struct hc_call){UMBRA_HC_SHADOW_INVALIDATE,
			     {asid, 0x400000, 0x700000, UMBRA_SHADOW_EV_CLEAR_YOUNG, 0}};
	hc_dispatch_vcpu(&e.hc, 0, &c, &out);
	CHECK(out.flush_tlb);
	CHECK_EQ(out.kick_mask, 2);
	/* Returned only after vCPU 1 acknowledged. */
	CHECK(shadow_kick_idle(&e.k, 1));
	CHECK(sim_shadow_walk(&e.s, 0x400000, 0, 0, false, &wr) != WALK_OK);
	/* Its whole stack is shadowed again, the user page is not. */
	CHECK_EQ(sim_shadow_walk(&e.s, 0x600000, 0, 0, false, &wr), WALK_OK);
	CHECK_EQ(sim_shadow_walk(&e.s, 0x601000, 0, 0, false, &wr), WALK_OK);
	atomic_store(&g.stop, true);
	pthread_join(g.thread, NULL);
	CHECK(atomic_load(&g.handled) >= 1);
	struct shadow_kick_stats ks;
	shadow_kick_get_stats(&e.k, &ks);
	CHECK_EQ(ks.timeouts, 0);
	CHECK(ks.kicks >= 1);
	CHECK_EQ(e.k.v[0].waited, 1);
	CHECK(e.k.v[1].kicked >= 1);
	kick_env_destroy(&e);
}

/* The 2M regions of the kernel stacks other vCPUs run on, which a host
 * change in one vCPU's hypercall leaves alone (vmm/host_mem_vm.c). */
TEST(shadow_running_stack_regions_name_the_other_vcpus_stacks)
{
	struct kick_env e;
	CHECK_EQ(kick_env_init(&e, fake_send, NULL), 0);
	struct shadow_mmu *mmu = e.s.mmu;
	uint64_t r[4];
	/* No hint yet: nothing to keep away from. */
	CHECK_EQ(shadow_running_stack_regions(mmu, 0, r, 4), 0);
	/* vCPU 1's two-page stack at 0x600000, its pages in 2M regions 1 and 2
	 * of guest-physical memory (gfns 600 and 1030). */
	g_map(&e.s, e.root, 0x600000, 600 * 4096, PTE_RW, 1);
	g_map(&e.s, e.root, 0x601000, 1030 * 4096, PTE_RW, 1);
	uint64_t hint = g_alloc_table(&e.s);
	g_write(&e.s, hint, 0x602000);
	struct hc_outcome out;
	struct hc_call c = {UMBRA_HC_SHADOW_STACK_HINT, {hint, 8192, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ(out.ret, 0);
	CHECK_EQ(shadow_running_stack_regions(mmu, 0, r, 4), 2);
	CHECK(r[0] == 1 && r[1] == 2);
	/* Its own stack is not another vCPU's; the array's end is kept. */
	CHECK_EQ(shadow_running_stack_regions(mmu, 1, r, 4), 0);
	CHECK_EQ(shadow_running_stack_regions(mmu, 0, r, 1), 1);
	/* Both pages in one region: named once. */
	g_map(&e.s, e.root, 0x601000, 601 * 4096, PTE_RW, 1);
	CHECK_EQ(shadow_running_stack_regions(mmu, 0, r, 4), 1);
	CHECK_EQ(r[0], 1);
	kick_env_destroy(&e);
}

/* A vCPU spinning with interrupts off (the guest's big-kernel-lock spin)
 * sees its kicks only through the kick flag (UMBRA_HC_SHADOW_KICK_FLAG),
 * which it reads with plain loads, as the guest does. */
struct flag_guest {
	struct shadow_kick *k;
	uint64_t *flag; /* the guest word, through the frame pool */
	atomic_bool stop;
	atomic_int handled;
	pthread_t thread;
};

static int no_interrupt(void *opaque, unsigned vcpu)
{
	(void)opaque;
	(void)vcpu;
	return 0; /* sent, but it stays pending: interrupts are off */
}

static void *flag_guest_run(void *arg)
{
	struct flag_guest *g = arg;
	while (!atomic_load(&g->stop)) {
		if (!__atomic_load_n(g->flag, __ATOMIC_ACQUIRE)) {
			usleep(200);
			continue;
		}
		/* shadow_kick in the guest: clear, read the sequence, flush,
		 * acknowledge. */
		__atomic_store_n(g->flag, 0, __ATOMIC_RELAXED);
		int64_t seq = shadow_kick_ack(g->k, 1, 0);
		if (seq > 0)
			shadow_kick_ack(g->k, 1, (uint64_t)seq);
		atomic_fetch_add(&g->handled, 1);
	}
	return NULL;
}

TEST(shadow_kick_flag_reaches_a_vcpu_with_interrupts_off)
{
	struct kick_env e;
	CHECK_EQ(kick_env_init(&e, no_interrupt, NULL), 0);
	uint64_t asid = e.asid;
	struct hc_outcome out;
	uint64_t flag = g_alloc_table(&e.s) + 8;
	/* A flag must be 8-aligned and in guest RAM. */
	struct hc_call c = {UMBRA_HC_SHADOW_KICK_FLAG, {flag + 4, 0, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ((int64_t)out.ret, -UMBRA_EINVAL);
	c = (struct hc_call){UMBRA_HC_SHADOW_KICK_FLAG, {4096ull << 12, 0, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ((int64_t)out.ret, -UMBRA_EINVAL);
	c = (struct hc_call){UMBRA_HC_SHADOW_KICK_FLAG, {flag, 0, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ(out.ret, 0);
	/* Raised only for vCPUs in the mask that have one. */
	CHECK_EQ(shadow_raise_kick_flags(e.s.mmu, 1), 0u);
	CHECK_EQ(g_read(&e.s, flag), 0);
	CHECK_EQ(shadow_raise_kick_flags(e.s.mmu, 2), 1u);
	CHECK_EQ(g_read(&e.s, flag), 1);
	g_write(&e.s, flag, 0);

	c = (struct hc_call){UMBRA_HC_SHADOW_FAULT, {0x400000, PFERR_U, asid, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ(out.ret, UMBRA_SHADOW_HANDLED);
	uint64_t maddr;
	CHECK_EQ(p2m_lookup(&e.s.p2m, flag >> 12, &maddr, NULL), 0);
	struct flag_guest g = {.k = &e.k,
			       .flag = (uint64_t *)frame_pool_ptr(&e.s.pool, maddr | (flag & 0xfff))};
	CHECK_EQ(pthread_create(&g.thread, NULL, flag_guest_run, &g), 0);
	/* vCPU 0 zaps what vCPU 1 caches; its call returns once vCPU 1 saw
	 * the flag and acknowledged (no interrupt is ever taken). */
	c = (struct hc_call){UMBRA_HC_SHADOW_INVALIDATE,
			     {asid, 0x400000, 0x401000, UMBRA_SHADOW_EV_UNMAP, 0}};
	hc_dispatch_vcpu(&e.hc, 0, &c, &out);
	CHECK_EQ(out.kick_mask, 2);
	CHECK(shadow_kick_idle(&e.k, 1));
	atomic_store(&g.stop, true);
	pthread_join(g.thread, NULL);
	CHECK_EQ(atomic_load(&g.handled), 1);
	CHECK_EQ(g_read(&e.s, flag), 0);
	struct shadow_kick_stats ks;
	shadow_kick_get_stats(&e.k, &ks);
	CHECK_EQ(ks.timeouts, 0);
	CHECK_EQ(ks.acks, 1);
	/* Forgotten: no flag is set any more. */
	c = (struct hc_call){UMBRA_HC_SHADOW_KICK_FLAG, {0, 0, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ(out.ret, 0);
	CHECK_EQ(shadow_raise_kick_flags(e.s.mmu, 2), 0u);
	kick_env_destroy(&e);
}

/*
 * With two vCPUs, --mem-limit's reclaim at the end of vCPU 0's call swaps
 * out a frame vCPU 1 still maps in its TLB: the copy must wait for vCPU 1's
 * flush (vmm/host_mem_vm.c, after_call_others_running), or a store vCPU 1
 * makes before it flushes is lost (it lands in the freed frame). The fake
 * guest makes that store just before it acknowledges its kick.
 */
static void end_of_call_move(int *failed_, bool dedup, unsigned cpus, uint64_t store,
			     bool by_answers)
{
	struct kick_env e;
	struct fake_guest g = {.k = &e.k, .vcpu = 1, .hc = &e.hc};
	/* Both vCPUs on one address space, 0x400000 mapped to gfn 16. */
	CHECK_EQ(kick_env_init_opt(&e, fake_send, &g, true), 0);
	uint32_t asid = (uint32_t)e.asid;
	struct umbra_config ucfg = {.cpus = cpus, .mem_limit = dedup ? 0 : 4096,
				     .dedup = dedup};
	struct host_mem_vm h;
	host_mem_vm_init(&h, &ucfg, &e.s.hm, &e.gm, &e.hc.shadow_lock);
	h.mmu = e.s.mmu;
	h.kick = &e.k;
	e.s.hm.limit = 0; /* until the page is mapped */
	e.hc.after_shadow = host_mem_vm_after_shadow;
	e.hc.host_mem = &h;

	/* For dedup: gfns 17 and 18 hold the same bytes (two pairs, one canon). */
	for (uint64_t gfn = 16; gfn <= 18; gfn++)
		g_write(&e.s, gfn * 4096, 0x1111);
	struct hc_outcome out;
	struct hc_call c;
	/* vCPU 1 maps the page (a user write), and keeps its frame in its TLB. */
	c = (struct hc_call){UMBRA_HC_SHADOW_FAULT, {0x400000, PFERR_U | PFERR_W, asid, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 1, &c, &out);
	CHECK_EQ(out.ret, UMBRA_SHADOW_HANDLED);
	uint64_t m;
	CHECK_EQ(p2m_lookup(&e.s.p2m, 16, &m, NULL), 0);
	g.stale = frame_pool_ptr(&e.s.pool, m);
	g.stale_value = store;
	CHECK_EQ(pthread_create(&g.thread, NULL, fake_guest_run, &g), 0);

	/* vCPU 0's next call reclaims (over the limit: gfn 16 among the
	 * victims, the clock's second sweep takes it) or dedups (its
	 * DEDUP_EVERY-th call: 16, 17 and 18 are candidates). */
	if (dedup && by_answers) {
		/* The poll thread's, under the shadow lock: a turn due. */
		pthread_mutex_lock(&e.hc.shadow_lock);
		host_mem_vm_after_answers(&h, 64);
		pthread_mutex_unlock(&e.hc.shadow_lock);
	} else if (dedup) {
		h.calls = 63;
	} else {
		e.s.hm.limit = 1;
	}
	/* The answers only make the turn due: nothing merged yet. */
	CHECK_EQ(e.s.hm.stats.merges, 0);
	c = (struct hc_call){UMBRA_HC_SHADOW_SYNC, {0, 0, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 0, &c, &out);
	uint64_t v = 0, w = 0;
	CHECK_EQ(host_mem_read(&e.s.hm, 16 * 4096, &v, 8), 0);
	CHECK_EQ(host_mem_read(&e.s.hm, 17 * 4096, &w, 8), 0);
	CHECK_EQ(v, store);
	/* vCPU 1 was kicked once, and its store came before the copy. */
	CHECK_EQ(atomic_load(&g.handled), 1);
	if (!dedup) {
		CHECK_EQ(host_mem_state(&e.s.hm, 16), HM_SWAPPED);
	} else {
		/* Pairs (17, 16) and (18, 16): both merge when the store left
		 * 16's bytes equal, neither when it did not. */
		CHECK_EQ(w, 0x1111);
		uint64_t merged = store == 0x1111 ? 2 : 0;
		CHECK_EQ(e.s.hm.stats.merges, merged);
		/* The next round pairs what is left: 17 and 18 when they did
		 * not merge; none of the merged frames again. vCPU 1 maps
		 * neither, so no kick. */
		struct shadow_kick_stats k0, k1;
		shadow_kick_get_stats(&e.k, &k0);
		h.calls = h.dedup_calls + 63; /* the next call: a turn again */
		e.s.hm.dedup_hand = 0; /* the scan's window over them again */
		hc_dispatch_vcpu(&e.hc, 0, &c, &out);
		shadow_kick_get_stats(&e.k, &k1);
		CHECK_EQ(e.s.hm.stats.merges, merged ? merged : 1);
		CHECK_EQ(k1.kicks, k0.kicks);
		CHECK_EQ(atomic_load(&g.handled), 1);
	}

	atomic_store(&g.stop, true);
	pthread_join(g.thread, NULL);
	e.hc.after_shadow = NULL;
	kick_env_destroy(&e);
}

/* The poll thread's answers count as calls for --dedup's pace
 * (host_mem_vm_after_answers); the turn they make due is the next call's,
 * with the same wait for vCPU 1's flush. */
TEST(host_mem_answers_make_the_next_calls_dedup_turn)
{
	end_of_call_move(failed_, true, 2, 0x2222, true);
	end_of_call_move(failed_, true, 2, 0x1111, true);
}

TEST(host_mem_end_of_call_reclaim_waits_for_the_other_vcpus)
{
	end_of_call_move(failed_, false, 2, 0x2222, false);
}

/* The same for --dedup: the frames are compared only after vCPU 1
 * flushed, and its store makes 16 differ (merged before, the store was
 * lost, or reached the frame then shared with 17). */
TEST(host_mem_end_of_call_dedup_waits_for_the_other_vcpus)
{
	end_of_call_move(failed_, true, 2, 0x2222, false);
	/* A store of the same bytes: all three merged. */
	end_of_call_move(failed_, true, 2, 0x1111, false);
}
