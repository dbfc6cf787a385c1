/* SPDX-License-Identifier: MIT */
/*
 * Shadow page-table entries (KVM's spte.h): ordinary x86-64 entries the CPU
 * walks, whose frames are machine addresses. A link entry (to a lower
 * shadow page) grants everything: rights are enforced at the leaf, which
 * carries the combined rights of the guest path.
 */
#ifndef UMBRA_SHADOW_SPTE_H
#define UMBRA_SHADOW_SPTE_H

#include <stdbool.h>
#include <stdint.h>

#include "x86_pte.h"

/* Rights of a guest path (the same bits as walker.h's WALK_R_*). */
#define ACC_WRITE 1u
#define ACC_USER  2u
#define ACC_EXEC  4u
#define ACC_ALL   7u

/* Software bit (ignored by the CPU): the entry was filled by prefetch; the
 * CPU's A bit then tells whether it was used. */
#define SPTE_PREFETCHED (1ull << 9)

#define SPTE_ADDR_MASK PTE_ADDR_MASK_52

static inline bool is_shadow_present_pte(uint64_t spte)
{
	return spte & PTE_P;
}

static inline bool is_last_spte(uint64_t spte, unsigned level)
{
	return level == 1 || (spte & PTE_PS);
}

static inline uint64_t spte_addr(uint64_t spte)
{
	return spte & SPTE_ADDR_MASK;
}

/* ACC_* of one guest entry. */
static inline unsigned guest_pte_access(uint64_t gpte, bool nxe)
{
	return ((gpte & PTE_RW) ? ACC_WRITE : 0) |
	       ((gpte & PTE_US) ? ACC_USER : 0) |
	       ((nxe && (gpte & PTE_NX)) ? 0 : ACC_EXEC);
}

/* A leaf shadow entry: machine address maddr, the guest path's rights.
 * Writable only when the guest leaf is dirty and the machine frame is
 * writable (A/D emulation: the first write faults and sets D). Inline: a
 * prefetch makes one per entry, and its constant arguments fold. */
static inline uint64_t make_spte(uint64_t maddr, unsigned level, unsigned access,
				 bool dirty, bool host_writable, bool nxe, unsigned pkey,
				 bool prefetch)
{
	uint64_t spte = PTE_P | (maddr & SPTE_ADDR_MASK);

	if (level > 1)
		spte |= PTE_PS;
	if (access & ACC_USER)
		spte |= PTE_US;
	/* D is preset on writable entries so the CPU never writes it back. */
	if ((access & ACC_WRITE) && dirty && host_writable)
		spte |= PTE_RW | PTE_D;
	/* Without EFER.NXE bit 63 is reserved: such a guest has no NX. */
	if (nxe && !(access & ACC_EXEC))
		spte |= PTE_NX;
	spte |= (uint64_t)(pkey & 15) << PTE_PKEY_SHIFT;
	/* A prefetched entry starts with A clear: the CPU sets it on first
	 * use, which is how "prefetched entries used" is counted. */
	spte |= prefetch ? SPTE_PREFETCHED : PTE_A;
	return spte;
}

/* A link to a lower shadow page at machine address maddr. */
static inline uint64_t make_link_spte(uint64_t maddr)
{
	return PTE_P | PTE_RW | PTE_US | PTE_A | (maddr & SPTE_ADDR_MASK);
}

#endif
