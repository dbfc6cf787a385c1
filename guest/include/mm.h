/* SPDX-License-Identifier: MIT */
/*
 * User address spaces: a page table and a sorted array of VMAs. Anonymous
 * memory is demand-zero (handle_mm_fault fills it on the first touch); the
 * ELF loader installs file pages eagerly. A simple first version of a
 * Linux-like mm: the names follow Linux so it can grow into one.
 */
#ifndef GUEST_MM_H
#define GUEST_MM_H

#include <stdint.h>

#include "kernel.h"

/* vm_flags */
#define VM_READ 0x1UL
#define VM_WRITE 0x2UL
#define VM_EXEC 0x4UL

/* mmap prot and flags (Linux values). */
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define PROT_SEM 0x8
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000

/* handle_mm_fault flags */
#define FAULT_FLAG_WRITE 0x1
#define FAULT_FLAG_INSTRUCTION 0x2

struct vm_area_struct {
	uint64_t vm_start, vm_end; /* [start, end), page aligned */
	unsigned long vm_flags;
};

#define MM_MAX_VMAS 160

struct mm_struct {
	phys_addr_t pgd;
	uint64_t start_brk, brk;
	uint64_t mmap_base;  /* top-down search for mmap starts here */
	uint64_t start_stack;
	unsigned int map_count;
	struct vm_area_struct vmas[MM_MAX_VMAS]; /* sorted, disjoint */
};

/* memory.c: page tables and faults */
struct mm_struct *mm_alloc(void);
void switch_mm(struct mm_struct *mm);
int handle_mm_fault(struct mm_struct *mm, uint64_t addr, unsigned int flags);
int install_page(struct mm_struct *mm, uint64_t va, phys_addr_t pa, unsigned long vm_flags);
void unmap_page_range(struct mm_struct *mm, uint64_t start, uint64_t end);
void change_protection(struct mm_struct *mm, uint64_t start, uint64_t end, unsigned long vm_flags);
uint64_t *lookup_pte(struct mm_struct *mm, uint64_t va);

/* mmap.c: VMAs */
struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr);
int insert_vm_area(struct mm_struct *mm, uint64_t start, uint64_t end, unsigned long vm_flags);
long do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, unsigned long prot, unsigned long flags);
int do_munmap(struct mm_struct *mm, uint64_t start, uint64_t len);


#endif
