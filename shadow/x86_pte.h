/* SPDX-License-Identifier: MIT */
/*
 * x86-64 paging-structure entry bits (Intel SDM vol. 3 §4.5, AMD APM vol. 2
 * §5.3). One header for every consumer of guest or shadow entries, so a bit
 * has one name (KVM's PT_*_MASK spelled as PTE_*).
 */
#ifndef UMBRA_X86_PTE_H
#define UMBRA_X86_PTE_H

#include <stdint.h>

#define PTE_P        (1ull << 0)  /* present */
#define PTE_RW       (1ull << 1)  /* writable (all levels must agree) */
#define PTE_US       (1ull << 2)  /* user-accessible (all levels must agree) */
#define PTE_PWT      (1ull << 3)
#define PTE_PCD      (1ull << 4)
#define PTE_A        (1ull << 5)  /* accessed: set on every entry used */
#define PTE_D        (1ull << 6)  /* dirty: leaf only, set on writes */
#define PTE_PS       (1ull << 7)  /* page size in PDPTE/PDE; PAT in a 4K PTE;
				   * reserved in PML4E/PML5E */
#define PTE_PAT_4K   PTE_PS
#define PTE_G        (1ull << 8)  /* global: leaf only, ignored elsewhere */
#define PTE_PAT_LARGE (1ull << 12) /* PAT in a 2M/1G leaf (low address bit) */
#define PTE_NX       (1ull << 63) /* execute-disable; reserved if !EFER.NXE */

/* Protection key: bits 62:59 of a leaf, used only when CR4.PKE=1. */
#define PTE_PKEY_SHIFT 59
#define PTE_PKEY_MASK  (0xfull << PTE_PKEY_SHIFT)

/* Bits 51:12 hold the next table / page frame; the part at and above
 * MAXPHYADDR is reserved (SDM §4.5, "M" in the entry formats). */
#define PTE_ADDR_MASK_52 0x000ffffffffff000ull

/* Low bits of a large-page frame that must be zero: 20:13 in a 2M PDE and
 * 29:13 in a 1G PDPTE (bit 12 is PAT). */
#define PTE_LARGE_2M_RSVD 0x00000000001fe000ull
#define PTE_LARGE_1G_RSVD 0x000000003fffe000ull

/* Page-fault error code (SDM §4.7). */
#define PFERR_P    (1u << 0) /* protection violation (0 = not present) */
#define PFERR_W    (1u << 1) /* the access was a write */
#define PFERR_U    (1u << 2) /* the access was a user-mode access */
#define PFERR_RSVD (1u << 3) /* a reserved bit was set in some entry */
#define PFERR_ID   (1u << 4) /* instruction fetch (with NXE or SMEP) */
#define PFERR_PK   (1u << 5) /* protection-key violation */

/* Mask of bits lo..hi inclusive (KVM's rsvd_bits()). */
static inline uint64_t pte_bits(int lo, int hi)
{
	if (hi < lo)
		return 0;
	return ((~0ull) >> (63 - hi)) & ~((1ull << lo) - 1);
}

#endif
