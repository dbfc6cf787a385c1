/* SPDX-License-Identifier: MIT */
/* The p2m (see p2m.h). */
#include "p2m.h"

#include "host_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define P2M_LEVELS 4
#define P2M_LEAF_FLAGS ((uint64_t)EPT_MT_WB << EPTE_MT_SHIFT)

static int node_alloc(struct p2m *p2m, uint64_t *addr)
{
	if (p2m->nr_nodes == p2m->cap_nodes) {
		uint32_t cap = p2m->cap_nodes ? 2 * p2m->cap_nodes : 16;
		uint64_t **n = realloc(p2m->nodes, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		p2m->nodes = n;
		p2m->cap_nodes = cap;
	}
	uint64_t *page = calloc(512, sizeof(uint64_t));
	if (!page)
		return -ENOMEM;
	p2m->nodes[p2m->nr_nodes++] = page;
	*addr = (uint64_t)p2m->nr_nodes << 12;
	return 0;
}

static uint64_t *node_ptr(const struct p2m *p2m, uint64_t addr)
{
	uint64_t i = (addr >> 12);
	if (i == 0 || i > p2m->nr_nodes)
		return NULL;
	return p2m->nodes[i - 1];
}

int p2m_init(struct p2m *p2m, struct frame_pool *pool, uint64_t nr_gfns)
{
	memset(p2m, 0, sizeof(*p2m));
	p2m->pool = pool;
	p2m->nr_gfns = nr_gfns;
	p2m->m2p = calloc(pool->nframes, sizeof(uint64_t));
	p2m->leaves = calloc((nr_gfns + 511) / 512, sizeof(*p2m->leaves));
	if (!p2m->m2p || !p2m->leaves)
		return -ENOMEM;
	uint64_t root;
	int r = node_alloc(p2m, &root);
	if (r)
		return r;
	/* Write-back paging structures, 4-level walk, no EPT A/D. */
	p2m->eptp = root | EPT_MT_WB | ((uint64_t)(P2M_LEVELS - 1) << EPTP_PWL_SHIFT);
	return 0;
}

void p2m_destroy(struct p2m *p2m)
{
	for (uint32_t i = 0; i < p2m->nr_nodes; i++)
		free(p2m->nodes[i]);
	free(p2m->nodes);
	free(p2m->m2p);
	free(p2m->leaves);
	memset(p2m, 0, sizeof(*p2m));
}

static int read_node(void *opaque, uint64_t addr, uint64_t *val)
{
	const uint64_t *page = node_ptr(opaque, addr & ~0xfffull);
	if (!page)
		return -1;
	*val = page[(addr & 0xfff) / 8];
	return 0;
}

int p2m_lookup_ept(const struct p2m *p2m, uint64_t gfn, uint64_t *maddr,
		   unsigned *perms)
{
	if (gfn >= p2m->nr_gfns)
		return -EINVAL;
	/* The table read back through the EPT walker: exactly what an EPT
	 * built from it would translate. */
	struct ept_ctx ctx = {
		.eptp = p2m->eptp, .read_pte = read_node,
		.opaque = (void *)p2m,
	};
	struct ept_result res;
	if (ept_walk(&ctx, gfn << 12, EPT_ACC_READ, &res) != EPT_OK)
		return -ENOENT;
	*maddr = res.hpa;
	if (perms)
		*perms = res.perms;
	return 0;
}

/* The leaf slot of gfn, creating the tables on the way when create. */
static uint64_t *leaf_slot(struct p2m *p2m, uint64_t gfn, bool create)
{
	uint64_t *table = node_ptr(p2m, p2m->eptp & P2M_ENTRY_ADDR);
	for (int lvl = P2M_LEVELS; lvl > 1; lvl--) {
		uint64_t *e = &table[(gfn >> (9 * (lvl - 1))) & 511];
		if (!(*e & EPTE_RWX)) {
			uint64_t addr;
			if (!create || node_alloc(p2m, &addr))
				return NULL;
			*e = addr | EPTE_RWX;
		}
		table = node_ptr(p2m, *e & P2M_ENTRY_ADDR);
	}
	p2m->leaves[gfn >> 9] = table;
	return &table[gfn & 511];
}

static void set_m2p(struct p2m *p2m, uint64_t maddr, uint64_t val)
{
	int64_t i = frame_pool_index(p2m->pool, maddr);
	if (i >= 0)
		p2m->m2p[i] = val;
}

int p2m_set(struct p2m *p2m, uint64_t gfn, uint64_t maddr, unsigned perms)
{
	if (gfn >= p2m->nr_gfns || (maddr & 0xfff) || !(perms & EPTE_R))
		return -EINVAL;
	uint64_t *slot = leaf_slot(p2m, gfn, true);
	if (!slot)
		return -ENOMEM;
	uint64_t new = maddr | (perms & EPTE_RWX) | P2M_LEAF_FLAGS;
	if (*slot == new)
		return 0;
	bool was_present = *slot & EPTE_RWX;
	if (was_present) {
		if (p2m->invalidate)
			p2m->invalidate(p2m->invalidate_opaque, gfn, 1);
		set_m2p(p2m, *slot & P2M_ENTRY_ADDR, 0);
	}
	*slot = new;
	set_m2p(p2m, maddr, gfn + 1);
	if (was_present && p2m->invalidate_end)
		p2m->invalidate_end(p2m->invalidate_opaque, gfn, 1);
	return 0;
}

int p2m_install(struct p2m *p2m, uint64_t gfn, uint64_t maddr, unsigned perms)
{
	if (gfn >= p2m->nr_gfns || (maddr & 0xfff) || !(perms & EPTE_R))
		return -EINVAL;
	uint64_t *slot = leaf_slot(p2m, gfn, true);
	if (!slot)
		return -ENOMEM;
	if ((*slot & EPTE_RWX) && (*slot & P2M_ENTRY_ADDR) != maddr)
		p2m_remove(p2m, gfn);
	*slot = maddr | (perms & EPTE_RWX) | P2M_LEAF_FLAGS;
	set_m2p(p2m, maddr, gfn + 1);
	return 0;
}

void p2m_remove(struct p2m *p2m, uint64_t gfn)
{
	uint64_t *slot = gfn < p2m->nr_gfns ? leaf_slot(p2m, gfn, false) : NULL;
	if (!slot || !(*slot & EPTE_RWX))
		return;
	uint64_t maddr = *slot & P2M_ENTRY_ADDR;
	*slot = 0;
	/* A shared frame (dedup) keeps the reverse entry of another gfn. */
	int64_t i = frame_pool_index(p2m->pool, maddr);
	if (i >= 0 && p2m->m2p[i] == gfn + 1)
		p2m->m2p[i] = 0;
}

int p2m_clear(struct p2m *p2m, uint64_t gfn, bool free_frame)
{
	if (gfn >= p2m->nr_gfns)
		return -EINVAL;
	uint64_t *slot = leaf_slot(p2m, gfn, false);
	if (!slot || !(*slot & EPTE_RWX))
		return -ENOENT;
	if (p2m->invalidate)
		p2m->invalidate(p2m->invalidate_opaque, gfn, 1);
	uint64_t maddr = *slot & P2M_ENTRY_ADDR;
	*slot = 0;
	set_m2p(p2m, maddr, 0);
	if (free_frame)
		frame_pool_free(p2m->pool, maddr);
	if (p2m->invalidate_end)
		p2m->invalidate_end(p2m->invalidate_opaque, gfn, 1);
	return 0;
}

static bool region_untouched(const struct p2m *p2m, uint64_t first)
{
	uint64_t m;
	for (uint64_t g = first; g < first + FRAMES_PER_2M; g++)
		if (p2m_lookup(p2m, g, &m, NULL) != -ENOENT)
			return false;
	return true;
}

int p2m_populate(struct p2m *p2m, uint64_t gfn, uint64_t *maddr)
{
	int r = p2m_lookup(p2m, gfn, maddr, NULL);
	if (r != -ENOENT)
		return r;
	if (p2m->hm)
		return host_mem_fault(p2m->hm, gfn, false, maddr);
	uint64_t first = gfn & ~(FRAMES_PER_2M - 1);
	uint64_t base;
	if (p2m->large_first_touch && first + FRAMES_PER_2M <= p2m->nr_gfns &&
	    region_untouched(p2m, first) &&
	    frame_pool_alloc_2m(p2m->pool, &base) == 0) {
		for (uint64_t i = 0; i < FRAMES_PER_2M; i++)
			if ((r = p2m_set(p2m, first + i, base + i * FRAME_SIZE,
					 EPTE_RWX)))
				return r;
		p2m->nr_populated += FRAMES_PER_2M;
		*maddr = base + (gfn - first) * FRAME_SIZE;
		return 0;
	}
	if ((r = frame_pool_alloc(p2m->pool, maddr)))
		return r;
	if ((r = p2m_set(p2m, gfn, *maddr, EPTE_RWX))) {
		frame_pool_free(p2m->pool, *maddr);
		return r;
	}
	p2m->nr_populated++;
	return 0;
}

int p2m_break_cow(struct p2m *p2m, uint64_t gfn, uint64_t *maddr)
{
	uint64_t old, new;
	unsigned perms;
	int r = p2m_lookup(p2m, gfn, &old, &perms);
	if (r)
		return r;
	if (perms & EPTE_W) {
		*maddr = old;
		return 0;
	}
	if (p2m->hm)
		return host_mem_fault(p2m->hm, gfn, true, maddr);
	if ((r = frame_pool_alloc(p2m->pool, &new)))
		return r;
	memcpy(frame_pool_ptr(p2m->pool, new), frame_pool_ptr(p2m->pool, old),
	       FRAME_SIZE);
	if ((r = p2m_set(p2m, gfn, new, EPTE_RWX))) {
		frame_pool_free(p2m->pool, new);
		return r;
	}
	*maddr = new;
	return 0;
}

int p2m_m2p(const struct p2m *p2m, uint64_t maddr, uint64_t *gfn)
{
	int64_t i = frame_pool_index(p2m->pool, maddr);
	if (i < 0 || !p2m->m2p[i])
		return -ENOENT;
	*gfn = p2m->m2p[i] - 1;
	return 0;
}

int p2m_read64(const struct p2m *p2m, uint64_t gpa, uint64_t *val)
{
	uint64_t maddr;
	int r = p2m_lookup(p2m, gpa >> 12, &maddr, NULL);
	if (r == -EINVAL || (gpa & 7))
		return -1;
	if (r == -ENOENT) {
		/* Swapped frames are read in place, not brought back: the
		 * shadow walks guest tables from inside notifiers. */
		if (p2m->hm)
			return host_mem_read(p2m->hm, gpa, val, 8);
		*val = 0;
		return 0;
	}
	*val = *(const uint64_t *)frame_pool_ptr(p2m->pool, maddr | (gpa & 0xfff));
	return 0;
}

void *p2m_writable_ptr(struct p2m *p2m, uint64_t gpa)
{
	uint64_t maddr;
	if (p2m_populate(p2m, gpa >> 12, &maddr))
		return NULL;
	unsigned perms = 0;
	p2m_lookup(p2m, gpa >> 12, &maddr, &perms);
	if (!(perms & EPTE_W) && p2m_break_cow(p2m, gpa >> 12, &maddr))
		return NULL;
	return frame_pool_ptr(p2m->pool, maddr | (gpa & 0xfff));
}

static uint64_t *gpa_ptr_writable(struct p2m *p2m, uint64_t gpa)
{
	return (gpa & 7) ? NULL : p2m_writable_ptr(p2m, gpa);
}

int p2m_write64(struct p2m *p2m, uint64_t gpa, uint64_t val)
{
	uint64_t *p = gpa_ptr_writable(p2m, gpa);
	if (!p)
		return -1;
	*p = val;
	return 0;
}

void *p2m_present_writable_ptr(const struct p2m *p2m, uint64_t gpa)
{
	uint64_t maddr;
	unsigned perms = 0;
	if (p2m_lookup(p2m, gpa >> 12, &maddr, &perms) || !(perms & EPTE_W))
		return NULL;
	return frame_pool_ptr(p2m->pool, maddr | (gpa & 0xfff));
}

int p2m_cmpxchg64(struct p2m *p2m, uint64_t gpa, uint64_t old, uint64_t new)
{
	uint64_t *p = gpa_ptr_writable(p2m, gpa);
	if (!p)
		return -1;
	/* Atomic: another vCPU (or the guest itself) may write the entry. */
	return __atomic_compare_exchange_n(p, &old, new, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) ? 0 : 1;
}

int p2m_lookup_2m(const struct p2m *p2m, uint64_t first_gfn, uint64_t *maddr,
		  unsigned *perms_all, unsigned *perms_any)
{
	if ((first_gfn & (FRAMES_PER_2M - 1)) || first_gfn + FRAMES_PER_2M > p2m->nr_gfns)
		return -EINVAL;
	/* One table holds the region's 512 entries: read it directly rather
	 * than walk 512 times (entries as p2m_set wrote them, so the same
	 * answer as p2m_lookup on each; tests/unit/test_shadow.c). */
	const uint64_t *t = p2m_leaf_table(p2m, first_gfn);
	if (!t)
		return -ENOENT;
	uint64_t base = t[0] & P2M_ENTRY_ADDR;
	if (base & (FRAMES_PER_2M * FRAME_SIZE - 1))
		return -ENOENT;
	unsigned all = EPTE_RWX, any = 0;
	for (unsigned i = 0; i < FRAMES_PER_2M; i++) {
		uint64_t e = t[i];
		if (!(e & EPTE_RWX) || (e & P2M_ENTRY_ADDR) != base + i * FRAME_SIZE)
			return -ENOENT;
		all &= (unsigned)(e & EPTE_RWX);
		any |= (unsigned)(e & EPTE_RWX);
	}
	*maddr = base;
	*perms_all = all;
	*perms_any = any;
	return 0;
}

/* A non-present entry's state: bits 52-54 (ignored by the EPT format when
 * R=W=X=0), the swap slot in the address bits. */
#define P2M_STATE_SHIFT 52
#define P2M_STATE_MASK (7ull << P2M_STATE_SHIFT)

int p2m_set_absent(struct p2m *p2m, uint64_t gfn, enum p2m_gfn_state st, uint64_t slot)
{
	if (gfn >= p2m->nr_gfns || (st != P2M_GFN_ABSENT && st != P2M_GFN_SWAPPED &&
				    st != P2M_GFN_DISCARDED) || slot > (P2M_ENTRY_ADDR >> 12))
		return -EINVAL;
	uint64_t *e = leaf_slot(p2m, gfn, st != P2M_GFN_ABSENT);
	if (!e)
		return st == P2M_GFN_ABSENT ? 0 : -ENOMEM;
	if (*e & EPTE_RWX)
		return -EINVAL;
	*e = (uint64_t)st << P2M_STATE_SHIFT | (st == P2M_GFN_SWAPPED ? slot << 12 : 0);
	return 0;
}

enum p2m_gfn_state p2m_gfn_state(const struct p2m *p2m, uint64_t gfn, uint64_t *slot)
{
	const uint64_t *t = p2m_leaf_table(p2m, gfn);
	uint64_t e = t ? t[gfn & 511] : 0;
	if (e & EPTE_RWX)
		return P2M_GFN_PRESENT;
	enum p2m_gfn_state st = (enum p2m_gfn_state)((e & P2M_STATE_MASK) >> P2M_STATE_SHIFT);
	if (slot)
		*slot = (e & P2M_ENTRY_ADDR) >> 12;
	return st < P2M_GFN_STATES ? st : P2M_GFN_ABSENT;
}

const char *p2m_gfn_state_name(enum p2m_gfn_state st)
{
	static const char *const names[P2M_GFN_STATES] = {
		"absent", "present", "swapped", "discarded", "shared"};
	return st < P2M_GFN_STATES ? names[st] : "?";
}
