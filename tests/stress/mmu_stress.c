/* SPDX-License-Identifier: MIT */
/*
 * The hosted MMU from several threads, as the VMM runs it (issue 10; built
 * with ThreadSanitizer by tests/stress/stress.mk, run in make test):
 *
 * - NV vCPU threads over the simulated guest (tests/unit/shadow_sim.h),
 *   each in its own address space, writing whole pages of checksummed
 *   patterns and reading them back. A vCPU keeps a TLB: a hit reads and
 *   writes the machine frame with no lock at all, as the CPU does; a miss
 *   walks the shadow tables under the shadow lock and makes the FAULT
 *   hypercall. The kick interrupt flushes the TLB and acknowledges.
 * - a chaos thread (host_mem_vm.c's chaos_op): under the shadow lock it
 *   zaps user leaves or locks and unmaps a frame, kicks the vCPUs that may
 *   cache it, waits for them without the lock, and then migrates or swaps
 *   out the frame if nothing mapped it again;
 * - a reclaim thread (host_mem_vm_reclaim_remote): the aging clock picks,
 *   lock, unmap, kick, wait, swap out what is still unmapped (a move while
 *   the other mover's flush of the same gfn was in flight showed here);
 * - a dedup thread: a merge frees a frame at once, so it runs only while
 *   no vCPU runs the guest (as the VMM's at the end of a hypercall with
 *   one vCPU; with several, the VMM unmaps the pairs and waits for the
 *   flush instead: docs/host-memory.md), and parks the vCPUs (each
 *   flushes its TLB first) around host_mem_dedup_scan.
 * - fault injection on (failed swap writes and shadow-page allocations).
 *
 * Then tdp mode's host memory (vmm/uffd_mem.c) on this process's own
 * memory: reader threads check patterns while a reclaim thread swaps
 * frames out and the userfaultfd thread brings them back (reclaim runs
 * while nothing writes, as at the VMM's vCPU exits), and a thread reads
 * the counters as --stats and the control socket do.
 *
 * Every page's pattern is checked on every read: a write lost to a frame
 * copied before the writer's TLB was flushed, a frame freed under a TLB
 * entry, a wrong merge, would all show. ThreadSanitizer reports any access
 * the locking and the kick protocol do not order.
 * Usage: mmu_stress [SECONDS] (default 3). Exit 0 iff no check failed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../unit/shadow_sim.h"
#include "../../shadow/fault_inject.h"
#include "../../vmm/guest_mem.h"
#include "../../vmm/shadow_kick.h"
#include "../../vmm/uffd_mem.h"

#define NV 3           /* vCPUs */
#define PAGES 48       /* data pages per vCPU */
#define UVA 0x40000000ull
#define TLB 16
#define KICK_WAIT_MS 5000

static struct sim g;                 /* the machine: pool, p2m, host memory, MMU */
static pthread_mutex_t shadow_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shadow_kick kick;
static atomic_bool stop;
static atomic_bool release_vcpus; /* the other threads ended */
static atomic_uint failures;

/* Parking for dedup: the vCPUs stop running the guest. */
static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static atomic_bool park_req;
static unsigned parked;

struct tlb_entry {
	bool valid, writable;
	uint64_t page, maddr;
};

struct vcpu {
	unsigned id;
	uint32_t asid;
	uint64_t cr3, groot;
	atomic_int pending;          /* kick interrupts sent, not handled */
	struct tlb_entry tlb[TLB];
	uint32_t gen[PAGES];         /* the pattern each page holds */
	uint64_t rng;
	uint64_t writes, reads, faults, kicks;
	pthread_t thread;
};
static struct vcpu vcpus[NV];

static void fail(const char *what, unsigned v, unsigned page)
{
	if (atomic_fetch_add(&failures, 1) < 10)
		fprintf(stderr, "mmu_stress: vcpu %u page %u: %s\n", v, page, what);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The page's content for (vcpu, page, gen): every third generation one of
 * two contents shared by all vCPUs, so dedup finds equal frames. Word 0
 * carries the key, the rest a checksum sequence of it. */
static uint64_t key_of(unsigned v, unsigned page, uint32_t gen)
{
	if (gen % 3 == 0)
		return 0x5ea7ed0000000000ull | (gen / 3) % 2;
	return (uint64_t)v << 48 | (uint64_t)page << 32 | gen;
}

static uint64_t word_of(uint64_t key, unsigned i)
{
	return i == 0 ? key : (key ^ (0x9e3779b97f4a7c15ull * i)) + i;
}

static int send_kick(void *opaque, unsigned v)
{
	(void)opaque;
	if (v >= NV)
		return -EINVAL;
	atomic_fetch_add(&vcpus[v].pending, 1);
	return 0;
}

/* A hypercall from vCPU v (under the shadow lock): the VMM's
 * hc_dispatch_vcpu brackets it with the kick confirm and promise. */
static int64_t hypercall(struct vcpu *c, uint64_t nr, uint64_t a0, uint64_t a1,
			 uint64_t a2, uint64_t a3)
{
	uint64_t a[5] = {a0, a1, a2, a3, 0};
	bool flush = false;
	shadow_kick_confirm(&kick, c->id);
	int64_t r = shadow_hypercall(g.mmu, c->id, nr, a, &flush);
	/* The guest flushes on UMBRA_SHADOW_FLUSH or an error; AS_ACTIVATE's
	 * CR3 load flushes. */
	if (flush || r < 0 || nr == UMBRA_HC_SHADOW_AS_ACTIVATE) {
		shadow_kick_promise(&kick, c->id);
		memset(c->tlb, 0, sizeof(c->tlb));
	}
	return r < 0 ? r : (int64_t)((uint64_t)r & ~UMBRA_SHADOW_FLUSH);
}

static void take_kicks(struct vcpu *c);

/* Kicks the vCPUs (other than self) whose flush flag a zap set, and waits
 * for them, without the shadow lock. Called with it held; drops it. A
 * vCPU that waits answers its own kicks meanwhile (two vCPUs may wait for
 * each other), as the guest takes interrupts while it spins. */
static void kick_others_and_unlock(unsigned self)
{
	uint64_t ticket[SHADOW_KICK_MAX_VCPUS] = {0};
	uint64_t mask = shadow_pending_flushes(g.mmu, self);
	if (mask)
		mask = shadow_kick_request(&kick, mask, ticket);
	pthread_mutex_unlock(&shadow_lock);
	int r = 0;
	for (unsigned ms = 0; mask && ms < KICK_WAIT_MS; ms += 10) {
		r = shadow_kick_wait(&kick, mask, ticket, self < NV ? 10 : KICK_WAIT_MS);
		if (r != -ETIMEDOUT)
			break;
		if (self < NV)
			take_kicks(&vcpus[self]);
	}
	if (r == -ETIMEDOUT)
		fail("kick not acknowledged", self, 0);
}

/* The guest's kick handler: flush, then acknowledge. */
static void take_kicks(struct vcpu *c)
{
	if (atomic_load(&c->pending) == 0)
		return;
	atomic_store(&c->pending, 0);
	int64_t seq = shadow_kick_ack(&kick, c->id, 0);
	memset(c->tlb, 0, sizeof(c->tlb)); /* the CR3 reload */
	pthread_mutex_lock(&shadow_lock);
	shadow_take_tlb_flush(g.mmu, c->id);
	pthread_mutex_unlock(&shadow_lock);
	if (seq > 0)
		shadow_kick_ack(&kick, c->id, (uint64_t)seq);
	c->kicks++;
}

static void park_if_asked(struct vcpu *c)
{
	if (!atomic_load(&park_req))
		return;
	memset(c->tlb, 0, sizeof(c->tlb));
	pthread_mutex_lock(&park_lock);
	parked++;
	pthread_cond_broadcast(&park_cond);
	while (atomic_load(&park_req)) {
		pthread_mutex_unlock(&park_lock);
		take_kicks(c);
		usleep(100);
		pthread_mutex_lock(&park_lock);
	}
	parked--;
	pthread_mutex_unlock(&park_lock);
}

/* The machine address of va for the access: the TLB, or a walk of the
 * shadow tables under the lock with the FAULT hypercall on a miss. */
static uint8_t *translate(struct vcpu *c, uint64_t va, bool write)
{
	uint64_t page = va & ~0xfffull;
	struct tlb_entry *t = &c->tlb[(page >> 12) % TLB];
	if (t->valid && t->page == page && (t->writable || !write))
		return frame_pool_ptr(&g.pool, t->maddr);
	unsigned access = write ? WALK_WRITE : 0;
	pthread_mutex_lock(&shadow_lock);
	for (int tries = 0; tries < 16; tries++) {
		struct walk_ctx w = sim_ctx(&g, 3);
		struct walk_result r;
		w.cr3 = c->cr3;
		w.read_pte = sim_read_machine;
		w.write_pte = sim_write_machine;
		w.opaque = &g.pool;
		enum walk_status st = walk_guest(&w, va, access, &r);
		if (st == WALK_OK) {
			*t = (struct tlb_entry){true, write, page, r.gpa & ~0xfffull};
			pthread_mutex_unlock(&shadow_lock);
			return frame_pool_ptr(&g.pool, t->maddr);
		}
		if (st != WALK_PF)
			break;
		c->faults++;
		int64_t h = hypercall(c, UMBRA_HC_SHADOW_FAULT, va, r.error_code, c->asid, 0);
		if (h != UMBRA_SHADOW_HANDLED)
			break;
		/* A fault's host-memory work may have zapped others' entries. */
		kick_others_and_unlock(c->id);
		take_kicks(c);
		pthread_mutex_lock(&shadow_lock);
	}
	pthread_mutex_unlock(&shadow_lock);
	fail("access never succeeds", c->id, (unsigned)((va - UVA) >> 12));
	return NULL;
}

static void check_page(struct vcpu *c, unsigned p)
{
	uint64_t va = UVA + (uint64_t)p * 4096;
	const uint64_t *m = (const uint64_t *)translate(c, va, false);
	if (!m)
		return;
	uint64_t key = key_of(c->id, p, c->gen[p]);
	for (unsigned i = 0; i < 512; i++)
		if (m[i] != word_of(key, i)) {
			fail("pattern changed", c->id, p);
			return;
		}
	c->reads++;
}

static void write_page(struct vcpu *c, unsigned p)
{
	uint64_t va = UVA + (uint64_t)p * 4096;
	uint64_t *m = (uint64_t *)translate(c, va, true);
	if (!m)
		return;
	uint64_t key = key_of(c->id, p, ++c->gen[p]);
	for (unsigned i = 0; i < 512; i++)
		m[i] = word_of(key, i);
	c->writes++;
}

static void *vcpu_run(void *arg)
{
	struct vcpu *c = arg;
	while (!atomic_load(&stop)) {
		take_kicks(c);
		park_if_asked(c);
		unsigned p = (unsigned)(rnd(&c->rng) % PAGES);
		switch (rnd(&c->rng) % 8) {
		case 0: case 1: case 2:
			write_page(c, p);
			break;
		case 3:
			/* The guest unmapped and mapped the page again: its
			 * notifier's INVALIDATE. */
			pthread_mutex_lock(&shadow_lock);
			hypercall(c, UMBRA_HC_SHADOW_INVALIDATE, c->asid, UVA + p * 4096ull,
				  UVA + p * 4096ull + 4096, UMBRA_SHADOW_EV_CLEAR);
			kick_others_and_unlock(c->id);
			break;
		default:
			check_page(c, p);
		}
	}
	for (unsigned p = 0; p < PAGES; p++)
		check_page(c, p);
	/* Others may still wait for this vCPU's acknowledgment. */
	while (!atomic_load(&release_vcpus)) {
		take_kicks(c);
		usleep(100);
	}
	return NULL;
}

/* --- the VMM's threads --- */

static uint64_t any_data_gfn(uint64_t *rng)
{
	unsigned v = (unsigned)(rnd(rng) % NV), p = (unsigned)(rnd(rng) % PAGES);
	return 16 + v * PAGES + p;
}

static bool still_unmapped(uint64_t gfn)
{
	uint64_t m;
	return host_mem_state(&g.hm, gfn) == HM_PRESENT && !host_mem_shared(&g.hm, gfn) &&
	       p2m_lookup(&g.p2m, gfn, &m, NULL) == -ENOENT;
}

static void *chaos_run(void *arg)
{
	uint64_t rng = 0x1234567;
	(void)arg;
	while (!atomic_load(&stop)) {
		uint64_t gfn = any_data_gfn(&rng);
		unsigned kind = (unsigned)(rnd(&rng) % 4);
		pthread_mutex_lock(&shadow_lock);
		if (kind < 2) {
			shadow_zap_gfn_user(g.mmu, gfn, 1 + rnd(&rng) % 8);
			kick_others_and_unlock(~0u);
			continue;
		}
		/* A gfn the reclaim thread is moving is locked. */
		if (host_mem_state(&g.hm, gfn) != HM_PRESENT || host_mem_shared(&g.hm, gfn) ||
		    !shadow_gfn_remote_ok(g.mmu, gfn, true) || !host_mem_trylock(&g.hm, gfn)) {
			pthread_mutex_unlock(&shadow_lock);
			continue;
		}
		host_mem_invalidate(&g.hm, gfn, 1, HM_EV_CLEAR);
		kick_others_and_unlock(~0u);
		pthread_mutex_lock(&shadow_lock);
		if (still_unmapped(gfn)) {
			if (kind == 2)
				host_mem_migrate(&g.hm, gfn);
			else
				host_mem_swap_out(&g.hm, gfn);
		}
		host_mem_unlock(&g.hm, gfn);
		pthread_mutex_unlock(&shadow_lock);
		usleep(200);
	}
	return NULL;
}

static bool reclaim_ok(void *opaque, uint64_t gfn)
{
	(void)opaque;
	return gfn >= 16 && gfn < 16 + NV * PAGES && shadow_gfn_remote_ok(g.mmu, gfn, true);
}

static void *reclaim_run(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		uint64_t v[16];
		pthread_mutex_lock(&shadow_lock);
		/* The clock passes the gfns the chaos thread holds locked. */
		uint64_t n = host_mem_reclaim_pick(&g.hm, v, 16, reclaim_ok, NULL);
		for (uint64_t i = 0; i < n; i++) {
			host_mem_trylock(&g.hm, v[i]);
			host_mem_invalidate(&g.hm, v[i], 1, HM_EV_CLEAR);
		}
		kick_others_and_unlock(~0u);
		pthread_mutex_lock(&shadow_lock);
		for (uint64_t i = 0; i < n; i++) {
			if (still_unmapped(v[i]))
				host_mem_swap_out(&g.hm, v[i]);
			host_mem_unlock(&g.hm, v[i]);
		}
		pthread_mutex_unlock(&shadow_lock);
		usleep(2000);
	}
	return NULL;
}

static void *dedup_run(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		usleep(20000);
		atomic_store(&park_req, true);
		pthread_mutex_lock(&park_lock);
		while (parked < NV && !atomic_load(&stop))
			pthread_cond_wait(&park_cond, &park_lock);
		pthread_mutex_unlock(&park_lock);
		if (!atomic_load(&stop)) {
			pthread_mutex_lock(&shadow_lock);
			host_mem_dedup_scan(&g.hm, g.nr_gfns, NULL, NULL);
			pthread_mutex_unlock(&shadow_lock);
		}
		atomic_store(&park_req, false);
	}
	return NULL;
}

/* --- tdp mode: uffd_mem --- */

#define TDP_PAGES 256
#define TDP_READERS 3
static uint8_t *tdp_ram;
static struct uffd_mem tdp;
static atomic_bool tdp_stop;
static atomic_uint_fast64_t tdp_checks;

static void *tdp_reader(void *arg)
{
	uint64_t rng = 0xabcdef12345ull * ((uintptr_t)arg + 1);
	while (!atomic_load(&tdp_stop)) {
		unsigned p = (unsigned)(rnd(&rng) % TDP_PAGES);
		const volatile uint64_t *m = (const volatile uint64_t *)(tdp_ram + p * 4096ull);
		for (unsigned i = 0; i < 512; i += 37)
			if (m[i] != word_of(key_of(7, p, 1), i)) {
				fail("tdp: pattern changed", 7, p);
				break;
			}
		atomic_fetch_add(&tdp_checks, 1);
	}
	return NULL;
}

static void *tdp_reclaimer(void *arg)
{
	(void)arg;
	while (!atomic_load(&tdp_stop)) {
		uffd_mem_reclaim(&tdp);
		struct uffd_stats st;
		uffd_mem_stats(&tdp, &st, NULL);
		usleep(1000);
	}
	return NULL;
}

/* 0, 1 on a failure, 2 when userfaultfd is refused (not root). */
static int tdp_stress(double seconds)
{
	struct guest_mem gm;
	guest_mem_layout(&gm, TDP_PAGES * 4096);
	if (guest_mem_map(&gm))
		return 1;
	tdp_ram = gm.ranges[0].hva;
	uffd_mem_init(&tdp, &gm);
	if (uffd_mem_start(&tdp, TDP_PAGES / 4, memfd_create("stress-swap", MFD_CLOEXEC))) {
		uffd_mem_destroy(&tdp);
		guest_mem_unmap(&gm);
		return geteuid() == 0 ? 1 : 2;
	}
	for (unsigned p = 0; p < TDP_PAGES; p++)
		for (unsigned i = 0; i < 512; i++)
			((uint64_t *)(tdp_ram + p * 4096ull))[i] = word_of(key_of(7, p, 1), i);
	pthread_t r[TDP_READERS], rc;
	for (uintptr_t i = 0; i < TDP_READERS; i++)
		pthread_create(&r[i], NULL, tdp_reader, (void *)i);
	pthread_create(&rc, NULL, tdp_reclaimer, NULL);
	struct timespec t = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
	nanosleep(&t, NULL);
	atomic_store(&tdp_stop, true);
	for (unsigned i = 0; i < TDP_READERS; i++)
		pthread_join(r[i], NULL);
	pthread_join(rc, NULL);
	struct uffd_stats st;
	uffd_mem_stats(&tdp, &st, NULL);
	printf("mmu_stress: tdp, %u reader threads, %.1f s: %llu page checks, %llu swap-outs, "
	       "%llu swap-ins (%llu by readahead), %llu missing faults\n", TDP_READERS, seconds,
	       (unsigned long long)atomic_load(&tdp_checks), (unsigned long long)st.swap_outs,
	       (unsigned long long)st.swap_ins, (unsigned long long)st.readahead,
	       (unsigned long long)st.missing);
	uffd_mem_destroy(&tdp);
	guest_mem_unmap(&gm);
	return st.swap_outs > 0 && st.swap_ins > 0 && atomic_load(&tdp_checks) > 100 ? 0 : 1;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3;
	struct shadow_config cfg = {
		.efer_nxe = true, .maxphyaddr = 46, .nr_vcpus = NV, .budget_pages = 24,
	};
	if (sim_init_opt(&g, 1024, 2048, &cfg, true)) {
		fprintf(stderr, "mmu_stress: setup failed\n");
		return 2;
	}
	char err[160];
	if (fault_inject_parse("swap-write%5,sp-alloc%5", err, sizeof(err)))
		return 2;
	shadow_kick_init(&kick, NV, send_kick, NULL, NULL);
	/* Each vCPU: its address space, its pages (gfns 16 + v * PAGES ..). */
	for (unsigned v = 0; v < NV; v++) {
		struct vcpu *c = &vcpus[v];
		c->id = v;
		c->rng = 0x9e3779b97f4a7c15ull * (v + 1);
		c->groot = g_alloc_table(&g);
		for (unsigned p = 0; p < PAGES; p++) {
			uint64_t gpa = (16 + v * PAGES + p) * 4096ull;
			g_map(&g, c->groot, UVA + p * 4096ull, gpa, PTE_RW | PTE_US | PTE_D, 1);
			uint64_t key = key_of(v, p, 0);
			for (unsigned i = 0; i < 512; i++)
				g_write(&g, gpa + i * 8, word_of(key, i));
		}
		int64_t a = hypercall(c, UMBRA_HC_SHADOW_AS_CREATE, c->groot, 0, 0, 0);
		int64_t cr3 = a > 0 ? hypercall(c, UMBRA_HC_SHADOW_AS_ACTIVATE, (uint64_t)a, 0, 0, 0)
				    : -1;
		if (cr3 < 0) {
			fprintf(stderr, "mmu_stress: address space %u: %lld\n", v, (long long)cr3);
			return 2;
		}
		c->asid = (uint32_t)a;
		c->cr3 = (uint64_t)cr3;
	}
	/* Room for about half the data: reclaim has work. */
	g.hm.limit = NV * PAGES / 2 + 64;
	pthread_t chaos, reclaim, dedup;
	for (unsigned v = 0; v < NV; v++)
		pthread_create(&vcpus[v].thread, NULL, vcpu_run, &vcpus[v]);
	pthread_create(&chaos, NULL, chaos_run, NULL);
	pthread_create(&reclaim, NULL, reclaim_run, NULL);
	pthread_create(&dedup, NULL, dedup_run, NULL);
	struct timespec t = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
	nanosleep(&t, NULL);
	atomic_store(&stop, true);
	pthread_mutex_lock(&park_lock);
	pthread_cond_broadcast(&park_cond);
	pthread_mutex_unlock(&park_lock);
	pthread_join(dedup, NULL);
	pthread_join(chaos, NULL);
	pthread_join(reclaim, NULL);
	atomic_store(&release_vcpus, true);
	for (unsigned v = 0; v < NV; v++)
		pthread_join(vcpus[v].thread, NULL);

	uint64_t w = 0, r = 0, f = 0, k = 0;
	for (unsigned v = 0; v < NV; v++) {
		w += vcpus[v].writes;
		r += vcpus[v].reads;
		f += vcpus[v].faults;
		k += vcpus[v].kicks;
	}
	struct hm_stats *hs = &g.hm.stats;
	struct fi_counts sw, sp;
	fault_inject_counts(FI_SWAP_WRITE, &sw);
	fault_inject_counts(FI_SP_ALLOC, &sp);
	unsigned audit = sim_audit(&g);
	printf("mmu_stress: %u vCPUs, %.1f s: %llu page writes, %llu page checks, %llu faults, "
	       "%llu kicks handled; host memory: %llu swap-outs, %llu swap-ins, %llu migrations, "
	       "%llu merges, %llu unshares; injected: %llu swap writes, %llu shadow-page "
	       "allocations; audit findings %u; %u failures\n", NV, seconds,
	       (unsigned long long)w, (unsigned long long)r, (unsigned long long)f,
	       (unsigned long long)k, (unsigned long long)hs->swap_outs,
	       (unsigned long long)hs->swap_ins, (unsigned long long)hs->migrations,
	       (unsigned long long)hs->merges, (unsigned long long)hs->unshares,
	       (unsigned long long)sw.injected, (unsigned long long)sp.injected, audit,
	       atomic_load(&failures));
	/* The run must have done each kind of work, or it proved nothing. */
	bool worked = w > 100 && r > 100 && k > 0 && hs->swap_outs > 0 && hs->swap_ins > 0 &&
		      hs->migrations > 0 && hs->merges > 0;
	if (!worked)
		fprintf(stderr, "mmu_stress: some kind of work never happened\n");
	shadow_kick_destroy(&kick);
	sim_destroy(&g);
	fault_inject_reset();
	int tdp_r = tdp_stress(seconds / 2);
	if (tdp_r == 2)
		printf("mmu_stress: tdp part not run: userfaultfd refused (not root)\n");
	else if (tdp_r)
		fprintf(stderr, "mmu_stress: tdp part failed or did no work\n");
	return atomic_load(&failures) == 0 && audit == 0 && worked && tdp_r != 1 ? 0 : 1;
}
