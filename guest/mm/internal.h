/* SPDX-License-Identifier: MIT */
/* mm/ private interfaces between its files (as Linux's mm/internal.h). */
#ifndef GUEST_MM_INTERNAL_H
#define GUEST_MM_INTERNAL_H

#include "mm.h"
#include "pgtable.h"
#include "pmm.h"

/* Linux's default vm.max_map_count. */
#define DEFAULT_MAX_MAP_COUNT 65530
/* Linux's stack_guard_gap: 256 pages below a VM_GROWSDOWN VMA stay free. */
#define STACK_GUARD_GAP (256UL << PAGE_SHIFT)
/* Fault-around window (Linux's fault_around_bytes). */
#define FAULT_AROUND_PAGES_NR 16

/* --- mmap.c: the VMA tree --- */
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig);
void vm_area_free(struct vm_area_struct *vma);
/* Tree links (and the file's i_mmap list). */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma);
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);
/* The VMA before vma (NULL at the start); vma NULL: the last one. */
struct vm_area_struct *vma_prev(struct mm_struct *mm, struct vm_area_struct *vma);
static inline struct vm_area_struct *vma_next(struct mm_struct *mm, struct vm_area_struct *vma)
{
	return find_vma(mm, vma->vm_end);
}
/* The first VMA intersecting [start, end), or NULL. */
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, uint64_t start, uint64_t end);
/* Splits vma at addr (inside it): vma keeps [vm_start, addr), a new VMA
 * gets the rest. 0 or -ENOMEM. */
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr);
/* Joins vma with equal neighbours; returns the VMA now covering it. */
struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *vma);
/* Gives [start, end) of vma (inside it) newflags, splitting as needed;
 * returns the VMA now covering [start, end). The caller merges. */
struct vm_area_struct *vma_modify_flags(struct mm_struct *mm, struct vm_area_struct *vma,
					uint64_t start, uint64_t end, unsigned long newflags, int *err);
/* Grows vma to [start, end) (the range around it is free). */
void vma_expand(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start, uint64_t end);
/* vma_start_gap: the lowest address a mapping below vma may end at. */
uint64_t vm_start_gap(const struct vm_area_struct *vma);
/* Splits at start and end so that VMAs cover [start, end) exactly where
 * they cover it; returns the first VMA in the range (or NULL). */
struct vm_area_struct *vma_split_range(struct mm_struct *mm, uint64_t start, uint64_t end, int *err);
/* Faults in [start, end) (MAP_POPULATE, mlock): 0 or -ENOMEM/-EFAULT. */
int populate_vma_range(struct vm_area_struct *vma, uint64_t start, uint64_t end, bool write);
int mm_populate(struct mm_struct *mm, uint64_t start, uint64_t len);
long get_unmapped_area(struct mm_struct *mm, uint64_t addr, uint64_t len, unsigned long flags);
extern const struct vm_operations_struct shm_vm_ops;
/* RLIMIT_AS check for npages more. */
bool may_expand_vm(struct mm_struct *mm, unsigned long vm_flags, uint64_t npages);
/* mlock.c: RLIMIT_MEMLOCK as Linux applies it (root is exempt). */
bool can_do_mlock(void);
bool mlock_future_ok(struct mm_struct *mm, unsigned long vm_flags, uint64_t bytes);
unsigned long calc_vm_prot_bits(unsigned long prot);
void vm_stat_account(struct mm_struct *mm, unsigned long vm_flags, int64_t npages);
static inline uint64_t vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}
static inline bool vma_is_anonymous(const struct vm_area_struct *vma)
{
	return !vma->vm_ops || !vma->vm_ops->fault;
}

/* --- memory.c: page tables --- */
/* The PTE for va, or NULL (no table); pte_alloc creates missing tables. */
uint64_t *pte_offset(struct mm_struct *mm, uint64_t va);
uint64_t *pte_alloc(struct mm_struct *mm, uint64_t va);
/* The PTE bits for a VMA's rights (write included). */
uint64_t vm_get_page_prot(unsigned long vm_flags);
/* Unmaps the pages of vma in [start, end) (inside a notifier bracket). */
void zap_page_range(struct vm_area_struct *vma, uint64_t start, uint64_t end);
/* Frees the page-table pages left empty under [start, end). */
void free_pgtables(struct mm_struct *mm, uint64_t start, uint64_t end);
/* fork: copies vma's PTEs into dst (private writable ones write-protected). */
int copy_page_range(struct mm_struct *dst, struct vm_area_struct *dst_vma,
		    struct vm_area_struct *src_vma);
/* Gives the PTEs of vma in [start, end) the rights of newflags. */
void change_protection(struct vm_area_struct *vma, uint64_t start, uint64_t end,
		       unsigned long newflags);
/* Moves the PTEs of [old, old + len) to new_addr (mremap). 0 or -ENOMEM. */
int move_page_tables(struct vm_area_struct *vma, uint64_t old_addr,
		     struct vm_area_struct *new_vma, uint64_t new_addr, uint64_t len);
/* The page mapped at va in mm (no reference), or NULL. */
struct page *follow_page(struct mm_struct *mm, uint64_t va, uint64_t *pte_out);
bool is_zero_page(const struct page *page);
/* Kernel: each populated PTE in [start, end): fn(mm, va, pte, arg). */
void walk_page_range(struct mm_struct *mm, uint64_t start, uint64_t end,
		     void (*fn)(struct mm_struct *, uint64_t, uint64_t *, void *), void *arg);
void flush_tlb_page(struct mm_struct *mm, uint64_t va);
/* Drops one mapping of page from mm (rss, mapcount, reference). */
void page_remove_rmap(struct mm_struct *mm, struct page *page, bool dirty);
void page_add_rmap(struct mm_struct *mm, struct page *page);

/* --- mmu_notifier.c --- */
/* Every PTE change that removes or downgrades a translation goes through
 * here: it must be inside an invalidate bracket of its mm (checked). */
void pte_clear_notify(struct mm_struct *mm, uint64_t va, uint64_t *pte, uint64_t newval);
void exit_mmap(struct mm_struct *mm);

#endif
