// SPDX-License-Identifier: MIT
/*
 * VMM-side microbenchmarks of the shadow MMU (shadow/) without KVM, on the
 * unit tests' simulated guest (tests/unit/shadow_sim.h): fill, prefetch,
 * the first fault of a new mapping (a new leaf shadow page), zap by range
 * (a dense range and a 512x larger one holding the same
 * pages), reverse-map zap (a host change), invalidate with nothing
 * mapped, the guest walker, and the poll thread's answers from a fault
 * slot: a fill, and a copy-on-write fault (its queued CLEAR applied, then
 * the fill). Each prints "bench NAME ops=N ns_per_op=X".
 * The measured operations run inside bench_measured(), so callgrind can
 * count their instructions alone (--toggle-collect=bench_measured; run by
 * tests/bench/run.py). Usage: shadow-bench [-q] [NAME]
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shadow_sim.h"

#define BASE_VA 0x40000000ull  /* the mapped pages */
#define EMPTY_VA 0x80000000ull /* a gigabyte with nothing mapped */
#define NPAGES 8192            /* 32 MiB mapped 4K */
#define GIB (1ull << 30)
#define SLOT_GPA 0x8000ull     /* below the mapped pages' frames (gfn 16 on) */
#define RING_GPA 0x9000ull

static struct sim s;
static uint32_t asid;
static uint64_t sink;

static int read_pte(void *opaque, uint64_t gpa, uint64_t *val)
{
	return p2m_read64(opaque, gpa, val);
}
static struct walk_ctx wctx;

typedef void (*op_fn)(uint64_t i);

/* The measured part: ops [first, first + n). */
__attribute__((noinline)) void bench_measured(op_fn op, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		op(i);
	__asm__ volatile("" ::: "memory");
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A fresh MMU over the same guest: 8192 accessed user pages at BASE_VA. */
static void setup(unsigned prefetch)
{
	struct shadow_config cfg = {
		.efer_nxe = true, .maxphyaddr = 46, .prefetch = prefetch ? prefetch : 0,
		.budget_pages = 4096,
	};
	if (sim_init(&s, 1 << 16, 1 << 17, &cfg)) {
		fprintf(stderr, "shadow-bench: sim_init failed\n");
		exit(1);
	}
	s.quiet = true;
	uint64_t root = g_alloc_table(&s);
	s.guest_root = root;
	for (uint64_t i = 0; i < NPAGES; i++)
		g_map(&s, root, BASE_VA + i * 4096, (16 + i) * 4096,
		      PTE_RW | PTE_US | PTE_A | PTE_D, 1);
	asid = (uint32_t)shadow_as_create(s.mmu, root);
	if (shadow_as_activate(s.mmu, 0, asid) < 0) {
		fprintf(stderr, "shadow-bench: activate failed\n");
		exit(1);
	}
	wctx = (struct walk_ctx){.cr3 = root, .cr0_wp = true, .efer_nxe = true,
				 .maxphyaddr = 46, .cpl = 3, .read_pte = read_pte,
				 .opaque = &s.p2m};
}

static void fault(uint64_t va)
{
	int64_t r = shadow_page_fault(s.mmu, 0, asid, va, PFERR_U, 0);
	if (r != UMBRA_SHADOW_HANDLED) {
		fprintf(stderr, "shadow-bench: fault at %#llx: %lld\n",
			(unsigned long long)va, (long long)r);
		exit(1);
	}
}

/* The guest's munmap of [start, end): its INVALIDATE. */
static void guest_unmap(uint64_t start, uint64_t end)
{
	if (sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, asid, start, end, UMBRA_SHADOW_EV_UNMAP) < 0) {
		fprintf(stderr, "shadow-bench: INVALIDATE refused\n");
		exit(1);
	}
}

/* The guest's munmap of everything, and the flush it asks for (acknowledged
 * by the next call, as the guest's next hypercall does): the freed shadow
 * pages' frames are reused warm, as in the VMM. Without the flush every
 * new shadow page got a frame never touched before, and the benches timed
 * the host's page faults (prefetch: 1,336 ns per fault, first_fault:
 * 48,800). */
static void unmap_all(void)
{
	guest_unmap(BASE_VA, BASE_VA + NPAGES * 4096ull);
	if (sim_hc(&s, UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0) < 0) {
		fprintf(stderr, "shadow-bench: SYNC refused\n");
		exit(1);
	}
}

/* Fill the first n pages (prefetch fills the neighbours). */
static void fill_pages(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (!(i % 16) || s.cfg.prefetch == 0)
			fault(BASE_VA + i * 4096);
}

static void op_fill(uint64_t i) { fault(BASE_VA + i * 4096); }
static void op_prefetch(uint64_t i) { fault(BASE_VA + i * 16 * 4096); }
static void op_zap_dense(uint64_t i)
{
	(void)i;
	shadow_invalidate_range(s.mmu, asid, BASE_VA, BASE_VA + 512 * 4096,
				UMBRA_SHADOW_EV_UNMAP);
}
static void op_zap_sparse(uint64_t i)
{
	(void)i;
	shadow_invalidate_range(s.mmu, asid, BASE_VA, BASE_VA + 512 * 4096 * 512ull,
				UMBRA_SHADOW_EV_UNMAP);
}
static void op_zap_rmap(uint64_t i)
{
	(void)i;
	/* The host changed the 512 frames behind the dense range. */
	shadow_zap_gfn_range(s.mmu, 16, 512);
}
static void op_inval_empty(uint64_t i)
{
	(void)i;
	shadow_invalidate_range(s.mmu, asid, EMPTY_VA, EMPTY_VA + GIB,
				UMBRA_SHADOW_EV_UNMAP);
}
static void op_walk(uint64_t i)
{
	struct walk_result r;
	walk_guest(&wctx, BASE_VA + (i % NPAGES) * 4096, 0, &r);
	sink += r.gpa;
}

/* The guest's side of a fault slot and the batch queue (as
 * guest/arch/x86/shadow_pv.c writes them). */
static struct umbra_shadow_fault_slot *slot;
static struct umbra_shadow_ring *ring;

static void setup_slot(void)
{
	/* Backed first, as the guest's own writes would: the VMM registers
	 * a slot only in a frame present and writable. */
	slot = p2m_writable_ptr(&s.p2m, SLOT_GPA);
	ring = p2m_writable_ptr(&s.p2m, RING_GPA);
	if (!slot || !ring || shadow_set_fault_slot(s.mmu, 0, SLOT_GPA) ||
	    sim_hc(&s, UMBRA_HC_SHADOW_QUEUE, RING_GPA, 0, 0, 0)) {
		fprintf(stderr, "shadow-bench: fault slot or queue refused\n");
		exit(1);
	}
}

/* The poll thread's scan and answer of the posted request. */
static void op_slot_answer(uint64_t i)
{
	(void)i;
	/* Handled, perhaps with a flush (the first after unmap_all: whole). */
	if (shadow_answer_fault_slots(s.mmu) != 1 ||
	    ((uint64_t)slot->result & ~(UMBRA_SHADOW_FLUSH | UMBRA_SHADOW_FLUSH_RANGES)) !=
		    UMBRA_SHADOW_HANDLED) {
		fprintf(stderr, "shadow-bench: slot answer %lld\n", (long long)slot->result);
		exit(1);
	}
}

static uint64_t next_page;
static void post_fill(void)
{
	sim_slot_post(slot, UMBRA_SHADOW_SLOT_FAULT, BASE_VA + next_page++ * 4096, PFERR_U,
		      asid);
}

/* A copy-on-write break as the guest makes it: page next_page, shadowed
 * read-only, now maps a new frame writable; the CLEAR queued; the write
 * fault posted. */
static void post_cow(void)
{
	uint64_t va = BASE_VA + next_page * 4096;
	g_write(&s, g_entry(&s, s.guest_root, va, 1, false),
		(16 + NPAGES + next_page) * 4096 | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D);
	sim_queue_op(ring, va, va + 4096, asid, UMBRA_SHADOW_EV_CLEAR);
	next_page++;
	sim_slot_post(slot, UMBRA_SHADOW_SLOT_FAULT, va, PFERR_U | PFERR_W | PFERR_P, asid);
}

struct result {
	uint64_t ops;
	double ns;
};

/* Runs n ops of op, each after prep (not measured) when per_op. */
static void measure(struct result *r, op_fn op, uint64_t n, void (*prep)(void))
{
	if (!prep) {
		double t = now_ns();
		bench_measured(op, 0, n);
		r->ns += now_ns() - t;
	} else {
		for (uint64_t i = 0; i < n; i++) {
			prep();
			double t = now_ns();
			bench_measured(op, i, 1);
			r->ns += now_ns() - t;
		}
	}
	r->ops += n;
}

static void refill_dense(void) { fill_pages(512); }

static void b_fill(struct result *r)
{
	setup(0);
	fill_pages(NPAGES); /* frames assigned on first touch: not measured */
	unmap_all();
	measure(r, op_fill, NPAGES, NULL);
	sim_destroy(&s);
}

static void b_prefetch(struct result *r)
{
	setup(16);
	/* Every frame assigned (prefetch skips a neighbour whose frame the
	 * p2m does not have yet), so each fault prefetches 15. */
	for (uint64_t i = 0; i < NPAGES; i++)
		fault(BASE_VA + i * 4096);
	unmap_all();
	measure(r, op_prefetch, NPAGES / 16, NULL);
	sim_destroy(&s);
}

/* The first fault of a new mapping (file_fault's each part), answered
 * from the fault slot as the poll thread does: the guest unmapped the 2M
 * region (INVALIDATE, whose flush the guest makes: the invalidation
 * unlinked and freed the emptied leaf table, its frame reusable once
 * flushed), then faults at its start: a full walk, a new leaf shadow page,
 * the fill and 15 neighbours prefetched. Compare with slot_fill and
 * prefetch, faults under a linked table. */
static uint64_t first_region;
static void unmap_region_post_fault(void)
{
	uint64_t va = BASE_VA + (first_region++ % (NPAGES / 512)) * 512 * 4096;
	guest_unmap(va, va + 512 * 4096);
	sim_slot_post(slot, UMBRA_SHADOW_SLOT_FAULT, va, PFERR_U, asid);
}

static void b_first_fault(struct result *r)
{
	setup(16);
	setup_slot();
	for (uint64_t i = 0; i < NPAGES; i++)
		fault(BASE_VA + i * 4096);
	uint64_t created = s.mmu->stats.sp_created, prefetched = s.mmu->stats.prefetched;
	first_region = 0;
	measure(r, op_slot_answer, 2000, unmap_region_post_fault);
	/* Each made its leaf shadow page again and prefetched 15, or it
	 * measured the wrong thing. */
	if (s.mmu->stats.sp_created - created != 2000 ||
	    s.mmu->stats.prefetched - prefetched != 2000 * 15) {
		fprintf(stderr, "shadow-bench: %llu shadow pages made, %llu entries prefetched "
			"in 2000 first faults\n",
			(unsigned long long)(s.mmu->stats.sp_created - created),
			(unsigned long long)(s.mmu->stats.prefetched - prefetched));
		exit(1);
	}
	sim_destroy(&s);
}

static void b_zap(struct result *r, op_fn op)
{
	setup(16);
	fill_pages(NPAGES);
	measure(r, op, 200, refill_dense);
	sim_destroy(&s);
}
static void b_zap_dense(struct result *r) { b_zap(r, op_zap_dense); }
static void b_zap_sparse(struct result *r) { b_zap(r, op_zap_sparse); }
static void b_zap_rmap(struct result *r) { b_zap(r, op_zap_rmap); }

static void b_inval_empty(struct result *r)
{
	setup(16);
	fill_pages(NPAGES);
	measure(r, op_inval_empty, 20000, NULL);
	sim_destroy(&s);
}

static void b_slot_fill(struct result *r)
{
	setup(0);
	setup_slot();
	fill_pages(NPAGES);
	unmap_all();
	next_page = 0;
	measure(r, op_slot_answer, NPAGES, post_fill);
	sim_destroy(&s);
}

static void b_slot_cow(struct result *r)
{
	setup(16);
	setup_slot();
	/* Every page shadowed read-only (a fork's write-protect), and the
	 * frames its copies go to backed already (the guest wrote them). */
	for (uint64_t i = 0; i < NPAGES; i++) {
		g_write(&s, g_entry(&s, s.guest_root, BASE_VA + i * 4096, 1, false),
			(16 + i) * 4096 | PTE_P | PTE_US | PTE_A);
		uint64_t m;
		if (p2m_populate(&s.p2m, 16 + i, &m) ||
		    p2m_populate(&s.p2m, 16 + NPAGES + i, &m)) {
			fprintf(stderr, "shadow-bench: p2m_populate failed\n");
			exit(1);
		}
	}
	fill_pages(NPAGES);
	uint64_t zaps = s.mmu->stats.zaps;
	next_page = 0;
	measure(r, op_slot_answer, NPAGES, post_cow);
	/* Each answer zapped the read-only entry its CLEAR named. */
	if (s.mmu->stats.zaps - zaps != NPAGES) {
		fprintf(stderr, "shadow-bench: %llu zaps in %u copy-on-write answers\n",
			(unsigned long long)(s.mmu->stats.zaps - zaps), NPAGES);
		exit(1);
	}
	sim_destroy(&s);
}

static void b_walk(struct result *r)
{
	setup(16);
	measure(r, op_walk, 200000, NULL);
	sim_destroy(&s);
}

static const struct {
	const char *name;
	void (*fn)(struct result *r);
} benches[] = {
	{"fill", b_fill},
	{"prefetch", b_prefetch},
	{"first_fault", b_first_fault},
	{"zap_range_dense", b_zap_dense},
	{"zap_range_sparse", b_zap_sparse},
	{"zap_rmap", b_zap_rmap},
	{"invalidate_empty", b_inval_empty},
	{"walker", b_walk},
	{"slot_fill", b_slot_fill},
	{"slot_cow", b_slot_cow},
};

int main(int argc, char **argv)
{
	int i = 1;
	bool quiet = false;
	if (i < argc && !strcmp(argv[i], "-q")) {
		quiet = true;
		i++;
	}
	const char *only = i < argc ? argv[i] : NULL;
	bool found = false;
	for (size_t k = 0; k < sizeof(benches) / sizeof(benches[0]); k++) {
		if (only && strcmp(only, benches[k].name))
			continue;
		found = true;
		struct result r = {0, 0};
		benches[k].fn(&r);
		if (!quiet)
			printf("bench %s ops=%llu ns_per_op=%.1f\n", benches[k].name,
			       (unsigned long long)r.ops, r.ns / (double)r.ops);
	}
	if (!found) {
		fprintf(stderr, "shadow-bench: unknown benchmark %s\n", only);
		return 2;
	}
	return sink == 1; /* keeps the walks */
}
