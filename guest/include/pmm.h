/* SPDX-License-Identifier: MIT */
/*
 * The page-frame allocator (a buddy allocator, mm/pmm.c) and struct page:
 * mem_map holds one struct page per frame below max_pfn.
 */
#ifndef GUEST_PMM_H
#define GUEST_PMM_H

#include "kernel.h"
#include "mm_types.h"
#include "page.h"

/* Largest block: 2^9 frames, a 2 MiB page. */
#define MAX_ORDER 9

/* gfp flags */
#define __GFP_ZERO 0x1

extern struct page *mem_map;
extern uint64_t max_pfn;

void pmm_init(void);

static inline uint64_t page_to_pfn(const struct page *page)
{
	return (uint64_t)(page - mem_map);
}
static inline struct page *pfn_to_page(uint64_t pfn)
{
	return &mem_map[pfn];
}
static inline phys_addr_t page_to_phys(const struct page *page)
{
	return page_to_pfn(page) << PAGE_SHIFT;
}
static inline struct page *phys_to_page(phys_addr_t pa)
{
	return pfn_to_page(pa >> PAGE_SHIFT);
}
static inline void *page_address(const struct page *page)
{
	return __va(page_to_phys(page));
}

/* 2^order contiguous frames with one reference, or NULL when out of memory. */
struct page *alloc_pages_order(unsigned int order, unsigned int gfp);
static inline struct page *alloc_page(unsigned int gfp)
{
	return alloc_pages_order(0, gfp);
}
void __free_pages_order(struct page *page, unsigned int order);

static inline void get_page(struct page *page)
{
	page->_refcount++;
}
/* Drops a reference; the block is freed with the last one. */
void put_page(struct page *page);
static inline int page_count(const struct page *page)
{
	return page->_refcount;
}
static inline int page_mapcount(const struct page *page)
{
	return page->_mapcount;
}

unsigned long nr_free_pages(void);
unsigned long totalram_pages(void);

/* Kernel memory by physical address (page tables, stacks): count frames,
 * rounded up to a power of two; 0 when out of memory. */
phys_addr_t alloc_pages(unsigned long count);
phys_addr_t alloc_zeroed_page(void);
void free_pages(phys_addr_t pa, unsigned long count);

#endif
