// SPDX-License-Identifier: MIT
/*
 * The kernel's own page tables, replacing the VMM's boot tables:
 *  - the direct map: all RAM at UMBRA_DIRECT_MAP_BASE + PA, 2 MiB pages,
 *    read/write, no execute;
 *  - the image at UMBRA_KERNEL_VBASE + PA, 4 KiB pages with the rights of
 *    each part (text r-x, rodata r--, data and bss rw-).
 * There is no identity map: low addresses belong to user space. The page
 * tables come from memblock; user PML4s copy the upper half of this one.
 */
#include "memblock.h"
#include "pgtable.h"
#include "printk.h"
#include "x86.h"

/* Linux reserves 64 TiB for the direct map. */
#define DIRECT_MAP_MAX (64UL << 40)

uint64_t page_offset_base;
phys_addr_t swapper_pg_dir;

/* The next-level table under *entry, allocated if absent. Kernel tables
 * grant everything at the upper levels; the leaves decide. */
static uint64_t *table_below(uint64_t *entry)
{
	if (!(*entry & _PAGE_PRESENT))
		*entry = memblock_alloc(PAGE_SIZE, PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW;
	return __va(*entry & PTE_PFN_MASK);
}

static uint64_t *kernel_pmd_entry(uint64_t va)
{
	uint64_t *pgd = __va(swapper_pg_dir);
	uint64_t *pud = table_below(&pgd[pgd_index(va)]);
	uint64_t *pmd = table_below(&pud[pud_index(va)]);
	return &pmd[pmd_index(va)];
}

static void map_direct(phys_addr_t start, phys_addr_t end)
{
	uint64_t flags = _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE | _PAGE_ACCESSED |
			 _PAGE_DIRTY | (_PAGE_NX & __supported_pte_mask);
	for (phys_addr_t pa = ALIGN_DOWN(start, PMD_SIZE); pa < end; pa += PMD_SIZE)
		*kernel_pmd_entry(UMBRA_DIRECT_MAP_BASE + pa) = pa | flags;
}

static uint64_t image_page_flags(const char *va)
{
	uint64_t nx = _PAGE_NX & __supported_pte_mask;
	uint64_t flags = _PAGE_PRESENT | _PAGE_ACCESSED;
	if (va >= _text && va < _etext)
		return flags;
	if (va >= __start_rodata && va < __end_rodata)
		return flags | nx;
	return flags | _PAGE_RW | _PAGE_DIRTY | nx;
}

static void map_kernel_image(void)
{
	for (const char *va = _text; va < _end; va += PAGE_SIZE) {
		uint64_t *pmd = kernel_pmd_entry((uint64_t)va);
		uint64_t *pte = table_below(pmd);
		pte[pte_index((uint64_t)va)] = __pa_symbol(va) | image_page_flags(va);
	}
}

void paging_init(void)
{
	if (memblock_end_of_ram() > DIRECT_MAP_MAX)
		panic("RAM beyond %lu TiB cannot be direct-mapped", DIRECT_MAP_MAX >> 40);
	swapper_pg_dir = memblock_alloc(PAGE_SIZE, PAGE_SIZE);
	for (unsigned int i = 0; i < memblock.nr_ram; i++)
		map_direct(memblock.ram[i].start, memblock.ram[i].end);
	map_kernel_image();

	write_cr3(swapper_pg_dir);
	page_offset_base = UMBRA_DIRECT_MAP_BASE;
}
