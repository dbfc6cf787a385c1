/* SPDX-License-Identifier: MIT */
/*
 * Page sizes and the kernel's views of physical memory:
 *  - the image, at UMBRA_KERNEL_VBASE + PA (__pa_symbol);
 *  - all RAM, at page_offset_base + PA (__va/__pa). Until paging_init()
 *    switches to the kernel's own tables, page_offset_base is 0 and the
 *    VMM's identity map serves; afterwards it is UMBRA_DIRECT_MAP_BASE.
 */
#ifndef GUEST_PAGE_H
#define GUEST_PAGE_H

#include <stdint.h>

#include <umbra/boot.h>

#include "kernel.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PMD_SHIFT 21
#define PMD_SIZE (1UL << PMD_SHIFT)
#define PUD_SHIFT 30
#define PUD_SIZE (1UL << PUD_SHIFT)
#define PGDIR_SHIFT 39
#define PGDIR_SIZE (1UL << PGDIR_SHIFT)
#define PTRS_PER_TABLE 512

#define PAGE_ALIGN(x) ALIGN_UP((uint64_t)(x), PAGE_SIZE)

/* User space ends one page below the canonical hole, as on Linux. */
#define TASK_SIZE 0x00007ffffffff000UL
/* Lowest address a program may map (Linux's default vm.mmap_min_addr). */
#define MMAP_MIN_ADDR 0x10000UL

extern uint64_t page_offset_base;

static inline void *__va(phys_addr_t pa)
{
	return (void *)(pa + page_offset_base);
}

static inline phys_addr_t __pa(const void *va)
{
	return (uint64_t)va - page_offset_base;
}

static inline phys_addr_t __pa_symbol(const void *va)
{
	return (uint64_t)va - UMBRA_KERNEL_VBASE;
}

/* Linker-script symbols bounding the image. */
extern char _text[], _etext[], __start_rodata[], __end_rodata[], _sdata[], _end[];

/* Physical address of any kernel pointer: the image or the direct map. */
static inline phys_addr_t virt_to_phys(const void *va)
{
	return (uint64_t)va >= UMBRA_KERNEL_VBASE ? __pa_symbol(va) : __pa(va);
}

#endif
