/* SPDX-License-Identifier: MIT */
/* The page-frame allocator: one bit per 4 KiB frame of free RAM. */
#ifndef GUEST_PMM_H
#define GUEST_PMM_H

#include "kernel.h"

void pmm_init(void);
/* Returns 0 when out of memory (frame 0 is never free RAM). */
phys_addr_t alloc_pages(unsigned long count);
phys_addr_t alloc_zeroed_page(void);
void free_pages(phys_addr_t pa, unsigned long count);

#endif
