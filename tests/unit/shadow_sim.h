/* SPDX-License-Identifier: MIT */
/*
 * A simulated guest for the shadow MMU tests: guest-physical memory (the
 * p2m over a frame pool), a page-table builder for the "guest kernel", and
 * a simulated vCPU that walks the shadow tables as the CPU would (the
 * walker on machine memory, setting A/D in shadow entries), asks the shadow
 * MMU on a #PF, and checks every shadow translation against the
 * composition guest tables + p2m. Header-only (static inline), shared by
 * tests/unit/test_shadow*.c.
 */
#ifndef UMBRA_SHADOW_SIM_H
#define UMBRA_SHADOW_SIM_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../shadow/hc_shadow.h"
#include "../../shadow/host_mem.h"
#include "../../shadow/mmu.h"
#include "../../shadow/walker.h"
#include "shadow_audit_ref.h"
#include "umbra/hypercall.h"

#define SIM_ADDR_MASK 0x000ffffffffff000ull
#define SIM_TABLE (PTE_P | PTE_RW | PTE_US)

/* The simulated vCPU's TLB: translations it used, by (page, access,
 * CPL), kept until a flush — so a zap the MMU forgets to flush shows up
 * as a stale translation the checks catch. */
#define SIM_TLB_SIZE 64
struct sim_tlb_entry {
	bool valid;
	uint64_t page;
	unsigned access, cpl;
	bool ac;         /* EFLAGS.AC is rechecked per access, not cached:
			  * part of the key here for simplicity */
	uint64_t maddr;
};

struct sim {
	struct frame_pool pool;
	struct p2m p2m;
	struct shadow_mmu *mmu;
	struct shadow_config cfg;
	uint64_t nr_gfns;
	uint64_t table_next, table_end;  /* guest table frames, bump */
	uint64_t free_tables[1024];      /* freed guest tables, for reuse */
	unsigned nr_free_tables;
	uint64_t cr3;                    /* shadow root loaded in the vCPU */
	uint32_t asid;                   /* the vCPU's address space */
	unsigned vcpu;                   /* which vCPU the calls come from */
	bool flushed;                    /* the last call asked for a flush */
	struct sim_tlb_entry tlb[SIM_TLB_SIZE];
	uint64_t guest_root;             /* its guest root */
	unsigned violations;             /* checks that failed */
	bool quiet;                      /* do not print violations */
	bool ac;                         /* EFLAGS.AC of supervisor accesses */
	struct host_mem hm;              /* with sim_init_hm: the backing */
	FILE *swap;                      /* its swap file */
};

static inline void sim_violation(struct sim *s, const char *what, uint64_t va)
{
	s->violations++;
	if (!s->quiet && s->violations <= 5)
		fprintf(stderr, "  shadow check: %s at %#llx\n", what,
			(unsigned long long)va);
}

static inline void sim_tlb_flush(struct sim *s)
{
	memset(s->tlb, 0, sizeof(s->tlb));
}

static inline unsigned sim_tlb_slot(uint64_t page, unsigned access, unsigned cpl)
{
	return (unsigned)(((page >> 12) * 7 + access * 3 + cpl) % SIM_TLB_SIZE);
}

/* A hypercall, and the flush it asks for before the vCPU runs again. */
static inline int64_t sim_hc(struct sim *s, uint64_t nr, uint64_t a0,
			     uint64_t a1, uint64_t a2, uint64_t a3)
{
	uint64_t a[5] = {a0, a1, a2, a3, 0};
	int64_t r = shadow_hypercall(s->mmu, s->vcpu, nr, a, &s->flushed);
	/* The guest flushes on what RAX says: UMBRA_SHADOW_FLUSH or an
	 * error; AS_ACTIVATE's CR3 load flushes. */
	bool flag = r >= 0 && ((uint64_t)r & UMBRA_SHADOW_FLUSH);
	if (r >= 0 && nr != UMBRA_HC_SHADOW_AS_ACTIVATE && flag != s->flushed)
		sim_violation(s, "UMBRA_SHADOW_FLUSH differs from the flush the MMU asks", a0);
	if (flag || r < 0 || nr == UMBRA_HC_SHADOW_AS_ACTIVATE)
		sim_tlb_flush(s);
	return flag ? (int64_t)((uint64_t)r & ~UMBRA_SHADOW_FLUSH) : r;
}

/* After a change outside any hypercall (the host's p2m): the kick. */
static inline void sim_take_kick(struct sim *s)
{
	if (shadow_take_tlb_flush(s->mmu, s->vcpu))
		sim_tlb_flush(s);
}

/* nr_gfns of guest memory; the top quarter holds page tables. */
static inline int sim_init_opt(struct sim *s, uint64_t nr_gfns, uint64_t pool_frames,
			       const struct shadow_config *cfg, bool hm)
{
	memset(s, 0, sizeof(*s));
	s->nr_gfns = nr_gfns;
	s->cfg = *cfg;
	/* Machine addresses start at 64M: never equal to guest-physical. */
	if (frame_pool_init(&s->pool, 64ull << 20, pool_frames, NULL))
		return -1;
	if (p2m_init(&s->p2m, &s->pool, nr_gfns))
		return -1;
	/* Host memory first: the MMU subscribes to it when it exists. */
	if (hm && (!(s->swap = tmpfile()) ||
		   host_mem_init(&s->hm, &s->p2m, fileno(s->swap))))
		return -1;
	s->mmu = shadow_mmu_create(cfg, &s->p2m);
	s->table_next = nr_gfns - nr_gfns / 4;
	s->table_end = nr_gfns;
	return s->mmu ? 0 : -1;
}

static inline int sim_init(struct sim *s, uint64_t nr_gfns, uint64_t pool_frames,
			   const struct shadow_config *cfg)
{
	return sim_init_opt(s, nr_gfns, pool_frames, cfg, false);
}

static inline void sim_destroy(struct sim *s)
{
	shadow_mmu_destroy(s->mmu);
	host_mem_destroy(&s->hm);
	if (s->swap)
		fclose(s->swap);
	p2m_destroy(&s->p2m);
	frame_pool_destroy(&s->pool);
}

static inline uint64_t g_read(struct sim *s, uint64_t gpa)
{
	uint64_t v = 0;
	p2m_read64(&s->p2m, gpa, &v);
	return v;
}

static inline void g_write(struct sim *s, uint64_t gpa, uint64_t v)
{
	if (p2m_write64(&s->p2m, gpa, v))
		abort();
}

/* A zeroed guest page-table frame (gpa). */
static inline uint64_t g_alloc_table(struct sim *s)
{
	uint64_t gfn;
	if (s->nr_free_tables)
		gfn = s->free_tables[--s->nr_free_tables];
	else if (s->table_next < s->table_end)
		gfn = s->table_next++;
	else
		abort();
	/* One frame's worth through one lookup (a write per entry costs a
	 * p2m walk each). */
	uint8_t *p = p2m_writable_ptr(&s->p2m, gfn << 12);
	if (!p)
		abort();
	memset(p, 0, 4096);
	return gfn << 12;
}

static inline void g_free_table(struct sim *s, uint64_t gpa)
{
	if (s->nr_free_tables < 1024)
		s->free_tables[s->nr_free_tables++] = gpa >> 12;
}

/* Address of the entry for va at level in the tables under root, creating
 * the tables above it (a non-leaf or large entry in the way is replaced
 * when create). 0 when absent and !create. */
static inline uint64_t g_entry(struct sim *s, uint64_t root, uint64_t va,
			       unsigned level, bool create)
{
	uint64_t table = root;
	for (unsigned l = s->cfg.la57 ? 5 : 4; l > level; l--) {
		uint64_t ea = table + ((va >> (12 + 9 * (l - 1))) & 511) * 8;
		uint64_t e = g_read(s, ea);
		if (!(e & PTE_P) || (e & PTE_PS)) {
			if (!create)
				return 0;
			e = g_alloc_table(s) | SIM_TABLE;
			g_write(s, ea, e);
		}
		table = e & SIM_ADDR_MASK;
	}
	return table + ((va >> (12 + 9 * (level - 1))) & 511) * 8;
}

/* Maps va -> gpa with leaf flags at level (1: 4K, 2: 2M). */
static inline void g_map(struct sim *s, uint64_t root, uint64_t va,
			 uint64_t gpa, uint64_t flags, unsigned level)
{
	uint64_t ea = g_entry(s, root, va, level, true);
	g_write(s, ea, gpa | flags | PTE_P | (level == 2 ? PTE_PS : 0));
}

/* The vCPU mode for a walk of either table. */
static inline struct walk_ctx sim_ctx(struct sim *s, unsigned cpl)
{
	struct walk_ctx c = {
		.cr0_wp = true, .cr4_smep = s->cfg.cr4_smep,
		.cr4_smap = s->cfg.cr4_smap, .cr4_la57 = s->cfg.la57,
		.efer_nxe = s->cfg.efer_nxe, .eflags_ac = s->ac,
		.maxphyaddr = s->cfg.maxphyaddr, .cpl = cpl,
	};
	return c;
}

static inline int sim_read_guest(void *o, uint64_t gpa, uint64_t *v)
{
	return p2m_read64(o, gpa, v);
}

static inline int sim_read_machine(void *o, uint64_t ma, uint64_t *v)
{
	uint64_t *p = frame_pool_ptr(o, ma);
	if (!p || (ma & 7))
		return -1;
	*v = *p;
	return 0;
}

static inline int sim_write_machine(void *o, uint64_t ma, uint64_t old, uint64_t new)
{
	uint64_t *p = frame_pool_ptr(o, ma);
	if (!p)
		return -1;
	if (*p != old)
		return 1;
	*p = new;
	return 0;
}

/* The composition: guest walk (no A/D write) then the p2m. Returns the
 * walk status; on WALK_OK *maddr and the walk in *r. */
static inline enum walk_status sim_compose(struct sim *s, uint64_t va,
					   unsigned access, unsigned cpl,
					   struct walk_result *r, uint64_t *maddr,
					   bool *host_w)
{
	struct walk_ctx c = sim_ctx(s, cpl);
	c.cr3 = s->guest_root;
	c.read_pte = sim_read_guest;
	c.opaque = &s->p2m;
	enum walk_status st = walk_guest(&c, va, access, r);
	if (st != WALK_OK)
		return st;
	unsigned perms = 0;
	if (p2m_lookup(&s->p2m, r->gpa >> 12, maddr, &perms))
		return WALK_BAD_GPA;
	*maddr |= r->gpa & 0xfff;
	*host_w = perms & EPTE_W;
	return WALK_OK;
}

/* The CPU's walk of the shadow tables; A/D written back when ad. */
static inline enum walk_status sim_shadow_walk(struct sim *s, uint64_t va,
					       unsigned access, unsigned cpl,
					       bool ad, struct walk_result *r)
{
	struct walk_ctx c = sim_ctx(s, cpl);
	c.cr3 = s->cr3;
	c.read_pte = sim_read_machine;
	c.write_pte = ad ? sim_write_machine : NULL;
	c.opaque = &s->pool;
	return walk_guest(&c, va, access, r);
}

/* Never wider: whatever the shadow allows, the composition allows, to the
 * same machine address, on a guest leaf with A (and D for a write). */
static inline void sim_check_access(struct sim *s, uint64_t va, unsigned access,
				    unsigned cpl)
{
	struct walk_result sr, gr;
	uint64_t maddr;
	bool host_w;
	if (sim_shadow_walk(s, va, access, cpl, false, &sr) != WALK_OK)
		return;
	if (sim_compose(s, va, access, cpl, &gr, &maddr, &host_w) != WALK_OK) {
		sim_violation(s, "shadow allows what the guest does not", va);
		return;
	}
	if (sr.gpa != maddr)
		sim_violation(s, "shadow frame differs from the composition", va);
	/* The entry as stored: the walk without write-back reports the
	 * A/D it would set, not what is there. */
	uint64_t leaf = g_read(s, gr.pte_gpa[gr.nlevels - 1]);
	if (!(leaf & PTE_A))
		sim_violation(s, "shadow maps a guest entry without A", va);
	if ((access & WALK_WRITE) && (!(leaf & PTE_D) || !host_w))
		sim_violation(s, "shadow writable, guest not dirty or host read-only", va);
}

static const unsigned sim_accesses[][2] = {
	{0, 0}, {WALK_WRITE, 0}, {WALK_FETCH, 0},
	{0, 3}, {WALK_WRITE, 3}, {WALK_FETCH, 3},
};

/* Every TLB entry must still be allowed by the composition. */
static inline void sim_check_tlb(struct sim *s)
{
	for (unsigned i = 0; i < SIM_TLB_SIZE; i++) {
		struct sim_tlb_entry *t = &s->tlb[i];
		struct walk_result gr;
		uint64_t maddr;
		bool host_w;
		if (!t->valid)
			continue;
		bool ac = s->ac;
		s->ac = t->ac;
		enum walk_status st = sim_compose(s, t->page, t->access, t->cpl, &gr,
						  &maddr, &host_w);
		s->ac = ac;
		if (st != WALK_OK) {
			sim_violation(s, "stale TLB entry: the guest no longer allows it", t->page);
			continue;
		}
		uint64_t leaf = g_read(s, gr.pte_gpa[gr.nlevels - 1]);
		if ((maddr & ~0xfffull) != t->maddr || !(leaf & PTE_A) ||
		    ((t->access & WALK_WRITE) && (!(leaf & PTE_D) || !host_w)))
			sim_violation(s, "stale TLB entry: wider than the composition", t->page);
	}
}

static inline void sim_check_va(struct sim *s, uint64_t va)
{
	for (unsigned i = 0; i < 6; i++)
		sim_check_access(s, va, sim_accesses[i][0], sim_accesses[i][1]);
}

/* After a handled fault the shadow equals the composition for that access:
 * same frame, same U/S and X, W exactly when guest W, D and host W. */
static inline void sim_check_equal(struct sim *s, uint64_t va, unsigned access,
				   unsigned cpl)
{
	struct walk_result sr, gr;
	uint64_t maddr;
	bool host_w;
	if (sim_compose(s, va, access, cpl, &gr, &maddr, &host_w) != WALK_OK)
		return; /* a racing change; the never-wider check covers it */
	if (sim_shadow_walk(s, va, access, cpl, false, &sr) != WALK_OK) {
		sim_violation(s, "after a handled fault the shadow still faults", va);
		return;
	}
	/* The entry as stored: the walk without write-back reports the
	 * A/D it would set, not what is there. */
	uint64_t leaf = g_read(s, gr.pte_gpa[gr.nlevels - 1]);
	bool w = (gr.rights & WALK_R_W) && (leaf & PTE_D) && host_w;
	if (sr.gpa != maddr || ((sr.rights ^ gr.rights) & (WALK_R_U | WALK_R_X)) ||
	    !!(sr.rights & WALK_R_W) != w)
		sim_violation(s, "shadow after fill differs from the composition", va);
}

enum sim_outcome { SIM_OK, SIM_FAULT, SIM_ERROR };

/* One access by the simulated vCPU: the shadow walk, and on #PF the
 * first-chance hypercall; a handled fault is retried. *ec gets the error
 * code of a reflected fault. */
static inline enum sim_outcome sim_access(struct sim *s, uint64_t va,
					  unsigned access, unsigned cpl,
					  uint32_t *ec)
{
	uint64_t page = va & ~0xfffull;
	struct sim_tlb_entry *t = &s->tlb[sim_tlb_slot(page, access, cpl)];
	if (t->valid && t->page == page && t->access == access && t->cpl == cpl &&
	    t->ac == s->ac)
		return SIM_OK; /* the TLB: no walk */
	for (int tries = 0; tries < 4; tries++) {
		struct walk_result sr;
		enum walk_status st = sim_shadow_walk(s, va, access, cpl, true, &sr);
		if (st == WALK_OK) {
			*t = (struct sim_tlb_entry){true, page, access, cpl,
						    s->ac, sr.gpa & ~0xfffull};
			return SIM_OK;
		}
		if (st != WALK_PF)
			return SIM_ERROR;
		int64_t r = sim_hc(s, UMBRA_HC_SHADOW_FAULT, va, sr.error_code,
				   s->asid, s->ac ? UMBRA_SHADOW_FAULT_AC : 0);
		if (r < 0)
			return SIM_ERROR;
		if ((r & 0xff) == UMBRA_SHADOW_REFLECT) {
			*ec = (uint32_t)(r >> UMBRA_SHADOW_RESULT_EC_SHIFT);
			/* Reflected: the guest's own walk must fault too. */
			struct walk_result gr;
			uint64_t m;
			bool hw;
			if (sim_compose(s, va, access, cpl, &gr, &m, &hw) == WALK_OK)
				sim_violation(s, "reflected a fault the guest allows", va);
			return SIM_FAULT;
		}
		sim_check_equal(s, va, access, cpl);
	}
	sim_violation(s, "fault handled but the access never succeeds", va);
	return SIM_ERROR;
}

/* Switches the vCPU to asid (guest root groot). */
static inline int sim_activate(struct sim *s, uint32_t asid, uint64_t groot)
{
	int64_t cr3 = sim_hc(s, UMBRA_HC_SHADOW_AS_ACTIVATE, asid, 0, 0, 0);
	if (cr3 < 0)
		return -1;
	sim_tlb_flush(s); /* the CR3 load */
	s->cr3 = (uint64_t)cr3;
	s->asid = asid;
	s->guest_root = groot;
	return 0;
}

static inline void sim_audit_report(void *o, uint32_t asid, uint64_t gva,
				    unsigned level, uint64_t spte, const char *why)
{
	struct sim *s = o;
	if (!s->quiet)
		fprintf(stderr, "  audit: asid %#x va %#llx level %u spte %#llx: %s\n",
			asid, (unsigned long long)gva, level,
			(unsigned long long)spte, why);
}

/* Audits whose count differed from the reference's (also a violation;
 * counted apart for tests that expect findings). */
static unsigned sim_audit_mismatches;

/* The audit, which must report as many entries as the reference. */
static inline unsigned sim_audit_quiet(struct sim *s, bool quiet)
{
	unsigned n = shadow_audit(s->mmu, quiet ? NULL : sim_audit_report, s);
	unsigned ref = shadow_audit_reference(s->mmu);
	if (shadow_present_bitmap_mismatches(s->mmu))
		sim_violation(s, "a shadow page's present bitmap differs from its entries", 0);
	if (ref != n) {
		sim_audit_mismatches++;
		sim_violation(s, "the audit and the reference audit disagree", ref);
	}
	return n;
}

static inline unsigned sim_audit(struct sim *s)
{
	return sim_audit_quiet(s, false);
}

/* Posts a request in a fault slot as the guest does (a seqlock writer: seq
 * odd while the fields change); returns its seq. */
static inline uint32_t sim_slot_post_flags(struct umbra_shadow_fault_slot *sl, uint32_t op,
					   uint64_t addr, uint32_t ec, uint32_t asid,
					   uint32_t flags)
{
	uint32_t seq = __atomic_load_n(&sl->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&sl->seq, seq + 1, __ATOMIC_SEQ_CST);
	sl->op = op;
	sl->addr = addr;
	sl->error_code = ec;
	sl->asid = asid;
	sl->flags = flags;
	__atomic_store_n(&sl->seq, seq + 2, __ATOMIC_SEQ_CST);
	return seq + 2;
}

static inline uint32_t sim_slot_post(struct umbra_shadow_fault_slot *sl, uint32_t op,
				     uint64_t addr, uint32_t ec, uint32_t asid)
{
	return sim_slot_post_flags(sl, op, addr, ec, asid, 0);
}

/* Queues one operation in the batch queue as the guest does. */
static inline void sim_queue_op(struct umbra_shadow_ring *ring, uint64_t start, uint64_t end,
				uint32_t asid, unsigned event)
{
	ring->ops[ring->head % UMBRA_SHADOW_RING_SIZE] = (struct umbra_shadow_op){
		.start = start, .end = end, .asid = asid, .event = event};
	__atomic_add_fetch(&ring->head, 1, __ATOMIC_RELEASE);
}

#endif
