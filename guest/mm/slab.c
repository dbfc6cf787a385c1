// SPDX-License-Identifier: MIT
/*
 * kmalloc: power-of-two size classes from 16 bytes to 2 KiB, each a list
 * of free objects carved from whole pages (a slab of one page; free
 * objects are linked through their first word). Larger requests take
 * 2^order pages. struct page remembers which: PG_slab with the class in
 * page->index, or a plain compound block with its order.
 */
#include "pmm.h"
#include "printk.h"
#include "slab.h"
#include "string.h"

#define MIN_SHIFT 4
#define MAX_SHIFT 11
#define NR_CLASSES (MAX_SHIFT - MIN_SHIFT + 1)

struct free_object {
	struct free_object *next;
};

static struct free_object *free_lists[NR_CLASSES];

static unsigned int size_class(size_t size)
{
	unsigned int c = 0;
	while ((1UL << (c + MIN_SHIFT)) < size)
		c++;
	return c;
}

static bool refill(unsigned int c)
{
	struct page *page = alloc_page(0);
	if (!page)
		return false;
	page->flags |= PG_slab;
	page->index = c;
	size_t size = 1UL << (c + MIN_SHIFT);
	char *base = page_address(page);
	for (size_t off = 0; off + size <= PAGE_SIZE; off += size) {
		struct free_object *o = (struct free_object *)(base + off);
		o->next = free_lists[c];
		free_lists[c] = o;
	}
	return true;
}

void *kmalloc(size_t size)
{
	if (size == 0)
		size = 1;
	if (size > (1UL << MAX_SHIFT)) {
		unsigned int order = 0;
		while ((PAGE_SIZE << order) < size)
			order++;
		if (order > MAX_ORDER)
			return NULL;
		struct page *page = alloc_pages_order(order, 0);
		return page ? page_address(page) : NULL;
	}
	unsigned int c = size_class(size);
	if (!free_lists[c] && !refill(c))
		return NULL;
	struct free_object *o = free_lists[c];
	free_lists[c] = o->next;
	return o;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(const void *p)
{
	if (!p)
		return;
	struct page *page = phys_to_page(__pa(p));
	if (page->flags & PG_slab) {
		/* Slab pages are never returned: objects are recycled. */
		unsigned int c = (unsigned int)page->index;
		struct free_object *o = (struct free_object *)p;
		o->next = free_lists[c];
		free_lists[c] = o;
		return;
	}
	if ((uint64_t)p & ~PAGE_MASK)
		panic("kfree(%p): not a kmalloc pointer", p);
	put_page(page);
}
