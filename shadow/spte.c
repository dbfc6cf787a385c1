/* SPDX-License-Identifier: MIT */
/* Making shadow entries (see spte.h). */
#include "spte.h"

uint64_t make_spte(uint64_t maddr, unsigned level, unsigned access,
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

uint64_t make_link_spte(uint64_t maddr)
{
	return PTE_P | PTE_RW | PTE_US | PTE_A | (maddr & SPTE_ADDR_MASK);
}
