// SPDX-License-Identifier: MIT
/*
 * The page-frame allocator: a bitmap (1 = in use) per free memblock range.
 * The bitmap is the only thing it writes, so free RAM stays untouched (the
 * VMM may back guest memory on demand).
 */
#include "memblock.h"
#include "page.h"
#include "pmm.h"
#include "printk.h"
#include "string.h"

struct zone {
	uint64_t start_pfn, nr_pages;
	uint64_t *bitmap;
};

static struct zone zones[MEMBLOCK_MAX_RANGES];
static unsigned int nr_zones;
static unsigned long nr_free_pages;

#define BITS_PER_WORD 64

static bool test_bit(const struct zone *z, uint64_t i)
{
	return z->bitmap[i / BITS_PER_WORD] & (1UL << (i % BITS_PER_WORD));
}

static void set_bits(struct zone *z, uint64_t first, uint64_t count, bool used)
{
	for (uint64_t i = first; i < first + count; i++) {
		uint64_t bit = 1UL << (i % BITS_PER_WORD);
		if (used)
			z->bitmap[i / BITS_PER_WORD] |= bit;
		else
			z->bitmap[i / BITS_PER_WORD] &= ~bit;
	}
}

void pmm_init(void)
{
	uint64_t words = 0;
	for (unsigned int i = 0; i < memblock.nr_free; i++) {
		const struct memblock_range *r = &memblock.free[i];
		uint64_t pages = (ALIGN_DOWN(r->end, PAGE_SIZE) - PAGE_ALIGN(r->start)) >> PAGE_SHIFT;
		words += pages / BITS_PER_WORD + 1;
	}
	/* Taking the bitmap from the free ranges only shrinks them, so the
	 * size computed above still suffices. */
	uint64_t *bitmap = __va(memblock_alloc(words * sizeof(uint64_t), PAGE_SIZE));

	for (unsigned int i = 0; i < memblock.nr_free; i++) {
		const struct memblock_range *r = &memblock.free[i];
		phys_addr_t start = PAGE_ALIGN(r->start), end = ALIGN_DOWN(r->end, PAGE_SIZE);
		if (end <= start)
			continue;
		struct zone *z = &zones[nr_zones++];
		z->start_pfn = start >> PAGE_SHIFT;
		z->nr_pages = (end - start) >> PAGE_SHIFT;
		z->bitmap = bitmap;
		/* The tail of the last word is not memory: mark it used. */
		uint64_t zone_words = z->nr_pages / BITS_PER_WORD + 1;
		set_bits(z, z->nr_pages, zone_words * BITS_PER_WORD - z->nr_pages, true);
		bitmap += zone_words;
		nr_free_pages += z->nr_pages;
	}
	/* From here on memblock's free ranges belong to this allocator. */
	memblock.nr_free = 0;
	pr_info("page allocator: %lu MiB free in %u ranges", nr_free_pages >> (20 - PAGE_SHIFT),
		nr_zones);
}

static int64_t find_free_run(const struct zone *z, uint64_t count)
{
	uint64_t run = 0;
	for (uint64_t i = 0; i < z->nr_pages; i++) {
		if (i % BITS_PER_WORD == 0 && z->bitmap[i / BITS_PER_WORD] == ~0UL) {
			i += BITS_PER_WORD - 1;
			run = 0;
			continue;
		}
		if (test_bit(z, i))
			run = 0;
		else if (++run == count)
			return i + 1 - count;
	}
	return -1;
}

phys_addr_t alloc_pages(unsigned long count)
{
	for (unsigned int i = 0; i < nr_zones; i++) {
		struct zone *z = &zones[i];
		int64_t first = find_free_run(z, count);
		if (first >= 0) {
			set_bits(z, first, count, true);
			nr_free_pages -= count;
			return (z->start_pfn + first) << PAGE_SHIFT;
		}
	}
	return 0;
}

phys_addr_t alloc_zeroed_page(void)
{
	phys_addr_t pa = alloc_pages(1);
	if (pa)
		memset(__va(pa), 0, PAGE_SIZE);
	return pa;
}

void free_pages(phys_addr_t pa, unsigned long count)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	for (unsigned int i = 0; i < nr_zones; i++) {
		struct zone *z = &zones[i];
		if (pfn < z->start_pfn || pfn - z->start_pfn + count > z->nr_pages)
			continue;
		uint64_t first = pfn - z->start_pfn;
		for (uint64_t j = first; j < first + count; j++)
			if (!test_bit(z, j))
				panic("free_pages: frame %#lx is not allocated", (z->start_pfn + j) << PAGE_SHIFT);
		set_bits(z, first, count, false);
		nr_free_pages += count;
		return;
	}
	panic("free_pages: %#lx (+%lu pages) is not allocator memory", pa, count);
}
