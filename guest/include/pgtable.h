/* SPDX-License-Identifier: MIT */
/* x86-64 4-level page-table entries and the kernel's own tables. */
#ifndef GUEST_PGTABLE_H
#define GUEST_PGTABLE_H

#include <stdint.h>

#include "page.h"

#define _PAGE_PRESENT (1UL << 0)
#define _PAGE_RW (1UL << 1)
#define _PAGE_USER (1UL << 2)
#define _PAGE_ACCESSED (1UL << 5)
#define _PAGE_DIRTY (1UL << 6)
#define _PAGE_PSE (1UL << 7)
#define _PAGE_GLOBAL (1UL << 8)
#define _PAGE_NX (1UL << 63)
#define PTE_PFN_MASK 0x000ffffffffff000UL

/* Only bits the CPU supports: _PAGE_NX is dropped when EFER.NXE is unavailable. */
extern uint64_t __supported_pte_mask;

static inline unsigned int pgd_index(uint64_t va) { return (va >> PGDIR_SHIFT) & 511; }
static inline unsigned int pud_index(uint64_t va) { return (va >> PUD_SHIFT) & 511; }
static inline unsigned int pmd_index(uint64_t va) { return (va >> PMD_SHIFT) & 511; }
static inline unsigned int pte_index(uint64_t va) { return (va >> PAGE_SHIFT) & 511; }

/* The kernel's PML4 (physical); user PML4s share its upper half. */
extern phys_addr_t swapper_pg_dir;

/* mm/init.c: builds the kernel tables and switches CR3 to them. */
void paging_init(void);

#endif
