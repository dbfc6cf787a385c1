/* SPDX-License-Identifier: MIT */
/*
 * Boot-time physical memory map: RAM ranges minus everything reserved (the
 * VMM's boot area, FDT and initrd, the first MiB, the kernel image). Early
 * allocations (the kernel page tables, the frame allocator's bitmap) are
 * carved from it; the page-frame allocator then takes over what is left.
 */
#ifndef GUEST_MEMBLOCK_H
#define GUEST_MEMBLOCK_H

#include "kernel.h"

#define MEMBLOCK_MAX_RANGES 64

struct memblock_range {
	phys_addr_t start, end; /* end exclusive */
};

struct memblock {
	unsigned int nr_ram, nr_free;
	struct memblock_range ram[MEMBLOCK_MAX_RANGES];
	struct memblock_range free[MEMBLOCK_MAX_RANGES];
};

extern struct memblock memblock;

void memblock_add(phys_addr_t start, phys_addr_t size);
void memblock_reserve(phys_addr_t start, phys_addr_t size);
/* Zeroed, aligned memory from the free ranges; panics when there is none. */
phys_addr_t memblock_alloc(phys_addr_t size, phys_addr_t align);
phys_addr_t memblock_end_of_ram(void);

#endif
