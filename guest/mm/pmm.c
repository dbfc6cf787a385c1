// SPDX-License-Identifier: MIT
/*
 * The page-frame allocator: a binary buddy allocator (as Linux's
 * mm/page_alloc.c, without zones or per-CPU lists) over what memblock left
 * free, with a struct page per frame in mem_map. Free lists are linked
 * through struct page, never through the free frames themselves, so free
 * RAM stays untouched (the VMM may back guest memory on demand).
 */
#include "memblock.h"
#include "mm_types.h"
#include "page.h"
#include "pmm.h"
#include "printk.h"
#include "string.h"

struct page *mem_map;
uint64_t max_pfn;

static struct list_head free_area[MAX_ORDER + 1];
static unsigned long nr_free;
static unsigned long nr_managed;

/* A free block's head page: PG_buddy set, its order in page->order. */
#define PG_buddy 0x80000000u

unsigned long nr_free_pages(void)
{
	return nr_free;
}

unsigned long totalram_pages(void)
{
	return nr_managed;
}

static void add_free_block(struct page *page, unsigned int order)
{
	page->flags = PG_buddy;
	page->order = order;
	list_add(&page->lru, &free_area[order]);
}

static void del_free_block(struct page *page)
{
	list_del(&page->lru);
	page->flags = 0;
	page->order = 0;
}

/* Frees 2^order frames at pfn, merging with free buddies. */
static void free_block(uint64_t pfn, unsigned int order)
{
	nr_free += 1UL << order;
	while (order < MAX_ORDER) {
		uint64_t buddy_pfn = pfn ^ (1UL << order);
		if (buddy_pfn + (1UL << order) > max_pfn)
			break;
		struct page *buddy = &mem_map[buddy_pfn];
		if (!(buddy->flags & PG_buddy) || buddy->order != order)
			break;
		del_free_block(buddy);
		pfn &= ~(1UL << order);
		order++;
	}
	add_free_block(&mem_map[pfn], order);
}

void pmm_init(void)
{
	max_pfn = memblock_end_of_ram() >> PAGE_SHIFT;
	size_t map_bytes = max_pfn * sizeof(struct page);
	/* Taken from the free ranges before they are handed over. */
	mem_map = __va(memblock_alloc(PAGE_ALIGN(map_bytes), PAGE_SIZE));
	for (uint64_t pfn = 0; pfn < max_pfn; pfn++) {
		mem_map[pfn] = (struct page){.flags = PG_reserved, ._refcount = 1};
		INIT_LIST_HEAD(&mem_map[pfn].lru);
	}
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		INIT_LIST_HEAD(&free_area[o]);

	for (unsigned int i = 0; i < memblock.nr_free; i++) {
		const struct memblock_range *r = &memblock.free[i];
		uint64_t pfn = PAGE_ALIGN(r->start) >> PAGE_SHIFT;
		uint64_t end = ALIGN_DOWN(r->end, PAGE_SIZE) >> PAGE_SHIFT;
		/* Largest aligned blocks first. */
		while (pfn < end) {
			unsigned int order = 0;
			while (order < MAX_ORDER && !(pfn & ((2UL << order) - 1)) &&
			       pfn + (2UL << order) <= end)
				order++;
			for (uint64_t j = pfn; j < pfn + (1UL << order); j++)
				mem_map[j] = (struct page){.lru = mem_map[j].lru};
			free_block(pfn, order);
			nr_managed += 1UL << order;
			pfn += 1UL << order;
		}
	}
	/* From here on memblock's free ranges belong to this allocator. */
	memblock.nr_free = 0;
	pr_info("page allocator: %lu MiB free, mem_map %lu KiB", nr_free >> (20 - PAGE_SHIFT),
		map_bytes >> 10);
}

struct page *alloc_pages_order(unsigned int order, unsigned int gfp)
{
	unsigned int o = order;
	while (o <= MAX_ORDER && list_empty(&free_area[o]))
		o++;
	if (o > MAX_ORDER)
		return NULL;
	struct page *page = list_first_entry(&free_area[o], struct page, lru);
	del_free_block(page);
	uint64_t pfn = page_to_pfn(page);
	/* Split: the upper halves go back to the free lists. */
	while (o > order) {
		o--;
		add_free_block(&mem_map[pfn + (1UL << o)], o);
	}
	nr_free -= 1UL << order;
	for (uint64_t j = pfn; j < pfn + (1UL << order); j++) {
		mem_map[j] = (struct page){._refcount = j == pfn, .lru = mem_map[j].lru};
		INIT_LIST_HEAD(&mem_map[j].lru);
	}
	page->order = order;
	if (order)
		page->flags |= PG_head;
	if (gfp & __GFP_ZERO)
		memset(page_address(page), 0, PAGE_SIZE << order);
	return page;
}

void __free_pages_order(struct page *page, unsigned int order)
{
	uint64_t pfn = page_to_pfn(page);
	if (pfn >= max_pfn || (page->flags & (PG_reserved | PG_buddy)) || (pfn & ((1UL << order) - 1)))
		panic("freeing frame %#lx (order %u, flags %#x): not an allocated block",
		      pfn << PAGE_SHIFT, order, page->flags);
	free_block(pfn, order);
}

void put_page(struct page *page)
{
	BUG_ON(page->_refcount <= 0);
	if (--page->_refcount == 0)
		__free_pages_order(page, page->order);
}

/* The physical-address interface of kernel code that needs no struct page. */
phys_addr_t alloc_pages(unsigned long count)
{
	unsigned int order = 0;
	while ((1UL << order) < count)
		order++;
	if (order > MAX_ORDER)
		return 0;
	struct page *page = alloc_pages_order(order, 0);
	return page ? page_to_phys(page) : 0;
}

phys_addr_t alloc_zeroed_page(void)
{
	struct page *page = alloc_pages_order(0, __GFP_ZERO);
	return page ? page_to_phys(page) : 0;
}

void free_pages(phys_addr_t pa, unsigned long count)
{
	unsigned int order = 0;
	while ((1UL << order) < count)
		order++;
	struct page *page = phys_to_page(pa);
	page->_refcount = 0;
	__free_pages_order(page, order);
}
