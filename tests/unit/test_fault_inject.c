/* SPDX-License-Identifier: MIT */
/*
 * Host failures (shadow/fault_inject.c): the --fault-inject switch and, on
 * the hosted paths, what each injected failure leaves: a failed swap-file
 * write keeps the frame resident with its bytes, reclaim takes others and
 * gives up a round when the file keeps failing; a failed read stops the
 * guest (the stop handler) and leaves the frame swapped, its bytes still
 * there for a read that works; a failed shadow-page allocation evicts and
 * retries under the simulated guest, whose accesses and audit stay right,
 * and stops the guest when it never succeeds; tdp mode's failed
 * MADV_DONTNEED keeps the frames resident, failed uffd ioctls are retried.
 */
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../shadow/fault_inject.h"
#include "guest_mem.h"
#include "shadow_sim.h"
#include "uffd_mem.h"

static unsigned stops;
static void count_stop(void *opaque)
{
	(void)opaque;
	stops++;
}

static void fi_on(const char *spec)
{
	char err[160];
	if (fault_inject_parse(spec, err, sizeof(err)))
		abort();
	stops = 0;
	host_failure_set_stop(count_stop, NULL);
}

static void fi_off(void)
{
	fault_inject_reset();
	host_failure_set_stop(NULL, NULL);
}

static struct fi_counts counts(enum fi_kind k)
{
	struct fi_counts c;
	fault_inject_counts(k, &c);
	return c;
}

TEST(fault_inject_spec_and_modes)
{
	char err[160];
	CHECK_EQ(fault_inject_check("swap-write,swap-read:3,uffd:2+,sp-alloc%25,mmap,madvise",
				    err, sizeof(err)), 0);
	CHECK(!fault_inject_enabled()); /* checking changes nothing */
	const char *bad[] = {"", "disk", "swap-write:", "swap-write:0", "swap-write%0",
			     "swap-write%101", "swap-write:3x", "swap-write%5+", ",",
			     "swap-write:-1", "swap-writ"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CHECK_EQ(fault_inject_check(bad[i], err, sizeof(err)), -1);
		CHECK(strstr(err, "--fault-inject") != NULL);
	}
	CHECK(!fault_inject_hit(FI_SWAP_WRITE)); /* off */

	fi_on("swap-read:3,uffd:2+,sp-alloc%25,swap-write");
	unsigned hits[FI_KINDS] = {0};
	for (int i = 1; i <= 400; i++)
		for (unsigned k = 0; k < FI_KINDS; k++)
			if (fault_inject_hit(k)) {
				hits[k]++;
				if (k == FI_SWAP_READ)
					CHECK_EQ(i, 3);
				if (k == FI_UFFD)
					CHECK(i >= 2);
			}
	CHECK_EQ(hits[FI_SWAP_READ], 1);
	CHECK_EQ(hits[FI_UFFD], 399);
	CHECK_EQ(hits[FI_SWAP_WRITE], 400);
	CHECK(hits[FI_SP_ALLOC] > 60 && hits[FI_SP_ALLOC] < 140); /* about a quarter */
	CHECK_EQ(hits[FI_MMAP], 0);
	CHECK_EQ(counts(FI_SP_ALLOC).calls, 400);
	CHECK_EQ(counts(FI_SP_ALLOC).injected, hits[FI_SP_ALLOC]);
	/* The same sequence every time: a run is repeatable. */
	unsigned again = 0;
	fi_on("sp-alloc%25");
	for (int i = 0; i < 400; i++)
		again += fault_inject_hit(FI_SP_ALLOC);
	CHECK_EQ(again, hits[FI_SP_ALLOC]);
	/* A fatal failure stops the guest once and turns injection off. */
	host_failure(FI_SWAP_READ, false, "test: survived");
	host_failure(FI_SWAP_READ, true, "test: fatal gfn 0x%x", 7);
	CHECK_EQ(stops, 1);
	CHECK_EQ(counts(FI_SWAP_READ).survived, 1);
	CHECK_EQ(counts(FI_SWAP_READ).fatal, 1);
	CHECK(!fault_inject_hit(FI_SP_ALLOC));
	fi_off();
	CHECK_EQ(counts(FI_SWAP_READ).fatal, 0);
}

/* Host memory over a pool, with a swap file (as test_host_mem.c). */
struct fi_env {
	struct frame_pool pool;
	struct p2m p2m;
	struct host_mem hm;
	FILE *swap;
};

static void env_init(struct fi_env *e, uint64_t nr)
{
	memset(e, 0, sizeof(*e));
	e->swap = tmpfile();
	if (!e->swap || frame_pool_init(&e->pool, 64ull << 20, 4 * nr, NULL) ||
	    p2m_init(&e->p2m, &e->pool, nr) || host_mem_init(&e->hm, &e->p2m, fileno(e->swap)))
		abort();
}

static void env_destroy(struct fi_env *e)
{
	host_mem_destroy(&e->hm);
	p2m_destroy(&e->p2m);
	frame_pool_destroy(&e->pool);
	fclose(e->swap);
}

static uint64_t sig(uint64_t gfn)
{
	return 0xa5a5000000000000ull | gfn * 0x10001;
}

static uint64_t word(const struct host_mem *hm, uint64_t gfn)
{
	uint64_t v = ~0ull;
	host_mem_read(hm, gfn * 4096 + 16, &v, 8);
	return v;
}

TEST(fault_inject_swap_write_keeps_the_frame)
{
	struct fi_env e;
	env_init(&e, 128);
	for (uint64_t g = 0; g < 64; g++)
		CHECK_EQ(p2m_write64(&e.p2m, g * 4096 + 16, sig(g)), 0);
	fi_on("swap-write:1");
	CHECK_EQ(host_mem_swap_out(&e.hm, 3), -EIO);
	CHECK_EQ(host_mem_state(&e.hm, 3), HM_PRESENT);
	CHECK_EQ(e.hm.resident, 64);
	CHECK_EQ(e.hm.stats.swap_write_errors, 1);
	CHECK_EQ(e.hm.stats.swap_outs, 0);
	CHECK_EQ(word(&e.hm, 3), sig(3));
	uint64_t m;
	CHECK_EQ(p2m_populate(&e.p2m, 3, &m), 0); /* its entry comes back */
	CHECK_EQ(*(uint64_t *)frame_pool_ptr(&e.pool, m + 16), sig(3));
	CHECK_EQ(host_mem_swap_out(&e.hm, 3), 0); /* the next write works */
	CHECK_EQ(counts(FI_SWAP_WRITE).survived, 1);

	/* Every write failing: reclaim keeps all, gives up the round after a
	 * few errors, and nothing is lost. */
	fi_on("swap-write");
	e.hm.limit = 8;
	CHECK_EQ(host_mem_reclaim(&e.hm, NULL, NULL), 0);
	CHECK_EQ(counts(FI_SWAP_WRITE).calls, 8);
	CHECK_EQ(e.hm.resident, 63);
	/* A fifth failing: reclaim reaches the limit with other victims. */
	fi_on("swap-write%20");
	for (int round = 0; round < 16 && e.hm.resident > 8; round++)
		host_mem_reclaim(&e.hm, NULL, NULL);
	CHECK_EQ(e.hm.resident, 8);
	CHECK(counts(FI_SWAP_WRITE).injected > 0);
	CHECK_EQ(stops, 0);
	fi_off();
	for (uint64_t g = 0; g < 64; g++)
		CHECK_EQ(word(&e.hm, g), sig(g));
	env_destroy(&e);
}

TEST(fault_inject_swap_read_stops_and_loses_nothing)
{
	struct fi_env e;
	env_init(&e, 64);
	for (uint64_t g = 0; g < 8; g++)
		CHECK_EQ(p2m_write64(&e.p2m, g * 4096 + 16, sig(g)), 0);
	CHECK_EQ(host_mem_swap_out(&e.hm, 5), 0);
	fi_on("swap-read");
	uint64_t m, v = 0;
	CHECK(p2m_populate(&e.p2m, 5, &m) != 0);
	CHECK_EQ(stops, 1);
	CHECK_EQ(host_mem_state(&e.hm, 5), HM_SWAPPED);
	CHECK_EQ(e.hm.stats.swap_ins, 0);
	CHECK_EQ(counts(FI_SWAP_READ).fatal, 1);
	/* A walk's read in place fails the same way (injection is off after
	 * a fatal failure: turn it on again). */
	fi_on("swap-read");
	CHECK(p2m_read64(&e.p2m, 5 * 4096 + 16, &v) != 0);
	CHECK_EQ(stops, 1);
	/* The bytes were never replaced: a read that works finds them. */
	fi_off();
	CHECK_EQ(p2m_populate(&e.p2m, 5, &m), 0);
	CHECK_EQ(*(uint64_t *)frame_pool_ptr(&e.pool, m + 16), sig(5));
	env_destroy(&e);
}

/* The simulated guest maps n pages spread over many page tables. */
#define SIM_PAGES 96
static uint64_t sim_va(unsigned i)
{
	return 0x400000ull + (uint64_t)i * (2ull << 20) + (i % 7) * 4096;
}

static void sim_setup(struct sim *s, unsigned budget, uint64_t *root)
{
	struct shadow_config c = {
		.efer_nxe = true, .maxphyaddr = 46, .prefetch = 0, .budget_pages = budget,
	};
	if (sim_init_opt(s, 4096, 8192, &c, true))
		abort();
	*root = g_alloc_table(s);
	int64_t a = sim_hc(s, UMBRA_HC_SHADOW_AS_CREATE, *root, 0, 0, 0);
	if (a <= 0 || sim_activate(s, (uint32_t)a, *root))
		abort();
	for (unsigned i = 0; i < SIM_PAGES; i++) {
		g_map(s, *root, sim_va(i), (64 + i) * 4096ull, PTE_RW | PTE_US | PTE_D, 1);
		g_write(s, (64 + i) * 4096ull, sig(i));
	}
}

TEST(fault_inject_shadow_page_alloc_evicts_and_retries)
{
	struct sim s;
	uint64_t root;
	uint32_t ec = 0;
	sim_setup(&s, 0, &root);
	fi_on("sp-alloc%40");
	for (int round = 0; round < 3; round++)
		for (unsigned i = 0; i < SIM_PAGES; i++) {
			CHECK_EQ(sim_access(&s, sim_va(i), WALK_WRITE, 3, &ec), SIM_OK);
			CHECK_EQ(g_read(&s, (64 + i) * 4096ull), sig(i));
		}
	struct fi_counts c = counts(FI_SP_ALLOC);
	CHECK(c.injected > 10);
	CHECK(c.survived >= c.injected);
	CHECK_EQ(c.fatal, 0);
	CHECK_EQ(stops, 0);
	CHECK(s.mmu->stats.sp_evicted > 0);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);

	/* Never succeeding: the fault fails and the guest is stopped, the
	 * shadow still right for what it maps. */
	fi_on("sp-alloc");
	shadow_invalidate_range(s.mmu, s.asid, 0, ~0ull >> 16, UMBRA_SHADOW_EV_CLEAR);
	sim_take_kick(&s);
	sim_tlb_flush(&s);
	CHECK_EQ(sim_access(&s, sim_va(5), 0, 3, &ec), SIM_ERROR);
	CHECK_EQ(stops, 1);
	CHECK_EQ(counts(FI_SP_ALLOC).fatal, 1);
	fi_off();
	CHECK_EQ(sim_access(&s, sim_va(5), 0, 3, &ec), SIM_OK);
	CHECK_EQ(sim_audit(&s), 0);
	CHECK_EQ(s.violations, 0);
	sim_destroy(&s);
}

#define UPAGES 64

TEST(fault_inject_uffd_madvise_and_ioctls)
{
	struct guest_mem gm;
	guest_mem_layout(&gm, UPAGES * 4096);
	CHECK_EQ(guest_mem_map(&gm), 0);
	uint8_t *ram = gm.ranges[0].hva;
	struct uffd_mem u;
	uffd_mem_init(&u, &gm);
	if (uffd_mem_start(&u, 8, memfd_create("test-swap", MFD_CLOEXEC))) {
		CHECK(geteuid() != 0); /* refused: not root */
		uffd_mem_destroy(&u);
		guest_mem_unmap(&gm);
		return;
	}
	/* A third of the ioctls failing: every touch is served in the end. */
	fi_on("uffd%30");
	for (int i = 0; i < 32; i++)
		ram[i * 4096 + 7] = (uint8_t)(i + 1);
	CHECK(counts(FI_UFFD).injected > 0);
	/* Every MADV_DONTNEED failing: reclaim wrote them, then keeps them. */
	fi_on("madvise");
	uffd_mem_reclaim(&u);
	CHECK(counts(FI_MADVISE).injected > 0);
	CHECK_EQ(counts(FI_MADVISE).survived, counts(FI_MADVISE).injected);
	CHECK_EQ(atomic_load(&u.resident), 32);
	int bad = 0;
	for (int i = 0; i < 32; i++)
		bad += uffd_mem_state(&u, (uint64_t)i) != P2M_GFN_PRESENT;
	CHECK_EQ(bad, 0);
	/* Failing swap writes and ioctls together: the bytes all come back. */
	fi_on("swap-write%30,uffd%30");
	uffd_mem_reclaim(&u);
	CHECK(atomic_load(&u.resident) <= 8 + 32 / 2);
	bad = 0;
	for (int i = 0; i < 32; i++)
		bad += ((volatile uint8_t *)ram)[i * 4096 + 7] != (uint8_t)(i + 1);
	CHECK_EQ(bad, 0);
	CHECK(counts(FI_SWAP_WRITE).injected > 0);
	CHECK_EQ(stops, 0);
	fi_off();
	uffd_mem_destroy(&u);
	guest_mem_unmap(&gm);
}
