// SPDX-License-Identifier: MIT
/* Boot-time physical memory map; see include/memblock.h. */
#include "memblock.h"
#include "page.h"
#include "string.h"

struct memblock memblock;

static void insert_range(struct memblock_range *ranges, unsigned int *nr, unsigned int at,
			 phys_addr_t start, phys_addr_t end)
{
	if (*nr >= MEMBLOCK_MAX_RANGES)
		panic("memblock: more than %d memory ranges", MEMBLOCK_MAX_RANGES);
	memmove(&ranges[at + 1], &ranges[at], (*nr - at) * sizeof(*ranges));
	ranges[at].start = start;
	ranges[at].end = end;
	(*nr)++;
}

static void remove_range(struct memblock_range *ranges, unsigned int *nr, unsigned int at)
{
	memmove(&ranges[at], &ranges[at + 1], (*nr - at - 1) * sizeof(*ranges));
	(*nr)--;
}

/* RAM is added before anything is reserved; ranges may come in any order. */
void memblock_add(phys_addr_t start, phys_addr_t size)
{
	phys_addr_t end = start + size;
	if (size == 0)
		return;
	if (end < start)
		panic("memblock: RAM range %#lx+%#lx wraps around", start, size);
	unsigned int i = 0;
	while (i < memblock.nr_ram && memblock.ram[i].start < start)
		i++;
	insert_range(memblock.ram, &memblock.nr_ram, i, start, end);
	i = 0;
	while (i < memblock.nr_free && memblock.free[i].start < start)
		i++;
	insert_range(memblock.free, &memblock.nr_free, i, start, end);
}

/* Removes [start, start + size) from the free ranges. */
void memblock_reserve(phys_addr_t start, phys_addr_t size)
{
	phys_addr_t end = start + size;
	if (end < start)
		end = ~0UL;
	for (unsigned int i = 0; i < memblock.nr_free;) {
		struct memblock_range *r = &memblock.free[i];
		if (end <= r->start || start >= r->end) {
			i++;
		} else if (start <= r->start && end >= r->end) {
			remove_range(memblock.free, &memblock.nr_free, i);
		} else if (start <= r->start) {
			r->start = end;
			i++;
		} else if (end >= r->end) {
			r->end = start;
			i++;
		} else {
			phys_addr_t tail = r->end;
			r->end = start;
			insert_range(memblock.free, &memblock.nr_free, i + 1, end, tail);
			i += 2;
		}
	}
}

phys_addr_t memblock_alloc(phys_addr_t size, phys_addr_t align)
{
	for (unsigned int i = 0; i < memblock.nr_free; i++) {
		struct memblock_range *r = &memblock.free[i];
		phys_addr_t start = ALIGN_UP(r->start, align);
		if (start >= r->start && start < r->end && r->end - start >= size) {
			memblock_reserve(start, size);
			memset(__va(start), 0, size);
			return start;
		}
	}
	panic("out of memory at boot: no %#lx bytes free", size);
}

phys_addr_t memblock_end_of_ram(void)
{
	return memblock.nr_ram ? memblock.ram[memblock.nr_ram - 1].end : 0;
}
