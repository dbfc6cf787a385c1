/* SPDX-License-Identifier: MIT */
/*
 * The p2m: guest-physical frame -> machine frame, an EPT-format table
 * (ept_walk.h formats, read back through the EPT walker). Machine frames
 * come from the frame pool and are assigned on first touch. Every change
 * or removal of a present entry is announced to a notifier first (as
 * invalidate_range_start), so the shadow MMU can zap what maps the old
 * frame; m2p is the reverse map, machine frame -> guest frame.
 */
#ifndef UMBRA_P2M_H
#define UMBRA_P2M_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "ept_walk.h"
#include "frame_pool.h"

struct host_mem;

struct p2m {
	struct frame_pool *pool;
	uint64_t nr_gfns;          /* guest-physical size in frames */
	uint64_t **nodes;          /* table pages; node i lives at table
				    * address (i + 1) << 12 */
	uint32_t nr_nodes, cap_nodes;
	uint64_t eptp;
	uint64_t *m2p;             /* per pool frame: gfn + 1, 0 = none */
	/* Per 2M region of guest memory: its leaf table (the tables are
	 * never freed), NULL until one is made; the lookups' shortcut. */
	uint64_t **leaves;
	/* First touch of an untouched, whole 2M guest region takes a 2M
	 * aligned machine run, so the shadow can use 2M entries. */
	bool large_first_touch;
	/* Called before a present entry changes or goes: gfn, count
	 * (invalidate_range_start); and after, when set (..._end). */
	void (*invalidate)(void *opaque, uint64_t gfn, uint64_t npages);
	void (*invalidate_end)(void *opaque, uint64_t gfn, uint64_t npages);
	void *invalidate_opaque;
	uint64_t nr_populated;     /* frames assigned on first touch */
	/* When set (host_mem_init), host memory owns the backing: first
	 * touch, copy-on-write and swapped frames go through it, and this
	 * table is one of its subscribers (host_mem.h). */
	struct host_mem *hm;
};

int p2m_init(struct p2m *p2m, struct frame_pool *pool, uint64_t nr_gfns);
void p2m_destroy(struct p2m *p2m);

/* The EPT leaf table holding the entries of gfn's 2M region (entry
 * gfn % 512 is gfn's: P2M_ENTRY_ADDR and EPTE_R|W|X), or NULL when none
 * is there yet (every entry of the region not present) or gfn is beyond
 * guest memory. For readers that look up many frames (the audit). */
static inline const uint64_t *p2m_leaf_table(const struct p2m *p2m, uint64_t gfn)
{
	return gfn < p2m->nr_gfns ? p2m->leaves[gfn >> 9] : NULL;
}
#define P2M_ENTRY_ADDR 0x000ffffffffff000ull

/* 0 with the machine address and EPTE_R|W|X, -ENOENT when not present,
 * -EINVAL beyond guest memory (both with *maddr and *perms 0). The hot
 * path of every fill and guest walk (inline): a direct descent. Every
 * entry the p2m writes is a 4K leaf with R and write-back memory type, or
 * not present (RWX clear), so this reads what the EPT walker would
 * (p2m_lookup_ept; tests/unit compare the two). */
static inline int p2m_lookup(const struct p2m *p2m, uint64_t gfn, uint64_t *maddr,
			     unsigned *perms)
{
	const uint64_t *table = p2m_leaf_table(p2m, gfn);
	uint64_t e = table ? table[gfn & 511] : 0;
	if (!(e & EPTE_RWX))
		e = 0;
	*maddr = e & P2M_ENTRY_ADDR;
	if (perms)
		*perms = (unsigned)(e & EPTE_RWX);
	return e ? 0 : gfn >= p2m->nr_gfns ? -EINVAL : -ENOENT;
}
/* The same through the EPT walker (ept_walk.c): what hardware walking this
 * table would translate. Slower; the tests hold p2m_lookup to it. */
int p2m_lookup_ept(const struct p2m *p2m, uint64_t gfn, uint64_t *maddr,
		   unsigned *perms);
/* The 2M-aligned region of 512 frames at first_gfn in one pass: 0 when all
 * are present and contiguous from a 2M-aligned machine address (*maddr),
 * with the AND and the OR of their EPTE_R|W|X; -ENOENT otherwise, -EINVAL
 * for an unaligned or partial region. */
int p2m_lookup_2m(const struct p2m *p2m, uint64_t first_gfn, uint64_t *maddr,
		  unsigned *perms_all, unsigned *perms_any);
/* Maps gfn to maddr with EPTE_* perms (replacing, after the notifier). */
int p2m_set(struct p2m *p2m, uint64_t gfn, uint64_t maddr, unsigned perms);
/* Removes gfn's entry (after the notifier); free_frame returns its machine
 * frame to the pool. */
int p2m_clear(struct p2m *p2m, uint64_t gfn, bool free_frame);
/* The machine address of gfn, assigning a frame on first touch. */
int p2m_populate(struct p2m *p2m, uint64_t gfn, uint64_t *maddr);
/* A writable copy of a read-only frame (host copy-on-write broken). */
int p2m_break_cow(struct p2m *p2m, uint64_t gfn, uint64_t *maddr);
/* Host memory's own updates of the table: no notifier (host_mem.c has
 * announced the change), no frame freed. */
int p2m_install(struct p2m *p2m, uint64_t gfn, uint64_t maddr, unsigned perms);
void p2m_remove(struct p2m *p2m, uint64_t gfn);
/*
 * tdp mode (vmm/uffd_mem.c): KVM keeps its own EPT of guest RAM; this table
 * then records each gfn's host-memory state. A present entry maps the gfn
 * to itself; a non-present one keeps why it is not present (and a swap
 * slot) in bits the EPT format ignores when R=W=X=0.
 */
enum p2m_gfn_state {
	P2M_GFN_ABSENT,    /* never backed: the next touch gets the zero page */
	P2M_GFN_PRESENT,
	P2M_GFN_SWAPPED,   /* in slot of the swap file */
	P2M_GFN_DISCARDED, /* given back by the balloon */
	P2M_GFN_SHARED,    /* present, one read-only frame for several gfns */
	P2M_GFN_STATES
};
/* Sets a non-present gfn's state (ABSENT, SWAPPED with slot, DISCARDED);
 * -EINVAL for a present gfn or another state, -ENOMEM. */
int p2m_set_absent(struct p2m *p2m, uint64_t gfn, enum p2m_gfn_state st, uint64_t slot);
/* The state of gfn (*slot: its swap slot when SWAPPED; may be NULL). */
enum p2m_gfn_state p2m_gfn_state(const struct p2m *p2m, uint64_t gfn, uint64_t *slot);
const char *p2m_gfn_state_name(enum p2m_gfn_state st);
/* Reverse lookup; 0 or -ENOENT. */
int p2m_m2p(const struct p2m *p2m, uint64_t maddr, uint64_t *gfn);

/* Guest-physical memory accessors (8-byte aligned). A read of an untouched
 * frame gives 0 without assigning one; a write assigns it. Non-zero when
 * gpa is outside guest memory. */
int p2m_read64(const struct p2m *p2m, uint64_t gpa, uint64_t *val);
int p2m_write64(struct p2m *p2m, uint64_t gpa, uint64_t val);
/* Compare-and-exchange, walker.h's write_pte contract: 0 done, 1 changed,
 * <0 error. */
/* Host pointer to guest-physical gpa for writing (frame assigned, host
 * copy-on-write broken), or NULL outside guest memory / out of frames. */
void *p2m_writable_ptr(struct p2m *p2m, uint64_t gpa);
/* Host pointer to gpa when its frame is present and writable now, else
 * NULL: no first touch, no copy-on-write break (nothing changes). For a
 * VMM thread writing a word the guest registered while the vCPUs run. */
void *p2m_present_writable_ptr(const struct p2m *p2m, uint64_t gpa);
int p2m_cmpxchg64(struct p2m *p2m, uint64_t gpa, uint64_t old, uint64_t new);

#endif
