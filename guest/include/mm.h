/* SPDX-License-Identifier: MIT */
/*
 * The mm's interface to the rest of the kernel (types in mm_types.h).
 * User address spaces: a page table and the VMAs; faults are dispatched
 * as Linux's handle_mm_fault does. The names follow Linux.
 */
#ifndef GUEST_MM_H
#define GUEST_MM_H

#include <stdint.h>

#include "kernel.h"
#include "mm_types.h"

struct pt_regs;

/* mmap prot and flags (Linux values). */
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define PROT_SEM 0x8
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_HUGETLB 0x40000
#define MAP_SYNC 0x80000
#define MAP_FIXED_NOREPLACE 0x100000

/* --- address spaces (fork, exec, exit) --- */
/* A new, empty address space (kernel half shared), one user; NULL when out
 * of memory. */
struct mm_struct *mm_alloc(void);
/* fork: a copy of oldmm, private memory copy-on-write, VM_DONTCOPY left out. */
struct mm_struct *dup_mm(struct mm_struct *oldmm);
static inline void mmget(struct mm_struct *mm)
{
	mm->mm_users++;
}
/* Drops a user; the last one tears the address space down (notifier
 * release, every VMA unmapped, page tables freed). */
void mmput(struct mm_struct *mm);
/* Loads mm's page table on this CPU. */
void switch_mm(struct mm_struct *mm);

/* mmap_lock: who may change an mm's VMAs and page tables. One CPU and no
 * sleeping inside an mm operation mean it is never contended; it keeps
 * Linux's discipline checkable: the mapping calls write-lock, the fault
 * path read-locks (nesting inside a reader is allowed, as a fault while
 * mincore copies out). A violation is reported once, never fatal. */
void mmap_write_lock(struct mm_struct *mm);
void mmap_write_unlock(struct mm_struct *mm);
void mmap_read_lock(struct mm_struct *mm);
void mmap_read_unlock(struct mm_struct *mm);

/* --- VMAs --- */
/* The first VMA with vm_end > addr, or NULL. */
struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr);
#define for_each_vma(mm, vma) \
	for ((vma) = find_vma((mm), 0); (vma); (vma) = find_vma((mm), (vma)->vm_end))
/* "[heap]", "[stack]", the vm_ops name, or NULL (/proc/PID/maps). */
const char *vma_special_name(struct vm_area_struct *vma);

/* Residency of one VMA, in pages (/proc/PID/smaps). */
struct vma_page_stats {
	uint64_t rss, anon, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, locked, swap;
	uint64_t pss_4k, pss_dirty_4k; /* Pss in 1/4096 pages (bytes): each page divided among its mappers */
	uint64_t anon_huge;             /* pages in 2M anonymous pages */
};
void vma_page_stats(struct vm_area_struct *vma, struct vma_page_stats *st);

/* --- mapping, for exec and the system calls --- */
/* mmap(2) on mm: returns the address or a negative errno. file may be NULL. */
long do_mmap(struct mm_struct *mm, struct file *file, uint64_t addr, uint64_t len,
	     unsigned long prot, unsigned long flags, uint64_t pgoff);
int do_munmap(struct mm_struct *mm, uint64_t start, uint64_t len);

/* Truncation and hole punching (fs/): unmaps the pages of mapping at file
 * offsets [start, start + len) (len 0: to the end) from every VMA mapping
 * them, private COW copies included when even_cows. */
void unmap_mapping_range(struct address_space *mapping, uint64_t start, uint64_t len,
			 bool even_cows);

/* --- faults --- */
/* The #PF handler's work for a user-mode fault or a fault on a user
 * address: resolves it or sends SIGSEGV/SIGBUS (force_sig_fault) to the
 * current task. Returns 0 when resolved, -EFAULT when a signal was sent
 * (user mode) or the access is bad (kernel access to user memory). */
int do_user_addr_fault(struct pt_regs *regs, uint64_t error_code, uint64_t address);
/* Resolves a fault at addr in vma (the checks done): 0 or VM_FAULT_*. */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, uint64_t addr, unsigned int flags);
/* Grows a VM_GROWSDOWN VMA down to addr: 0, -ENOMEM or -EPERM. */
int expand_downwards(struct vm_area_struct *vma, uint64_t addr);
/* The page-table entry for va, or NULL (no table; /proc reads). */
uint64_t *lookup_pte(struct mm_struct *mm, uint64_t va);
/* Pages an anonymous write fault maps at once (thp_anon=, 1: off). */
#define THP_ANON_MAX_PAGES 64
extern unsigned int thp_anon_pages;

/* --- MMU notifiers (mm/mmu_notifier.c): secondary MMUs of an mm --- */
/* What an operation does to the translations of its range (Linux's enum
 * mmu_notifier_event): a secondary MMU can keep what the kind allows. */
enum mmu_notifier_event {
	MMU_NOTIFY_UNMAP = 1,      /* entries cleared; page tables may be freed */
	MMU_NOTIFY_CLEAR,          /* entries cleared or repointed, tables kept */
	MMU_NOTIFY_PROTECTION_VMA, /* rights reduced (mprotect: R, X or present) */
	MMU_NOTIFY_WRPROTECT,      /* only write access removed (fork's COW,
				    * mprotect dropping just PROT_WRITE) */
	MMU_NOTIFY_RELEASE,        /* the whole mm goes (exit) */
};
struct mmu_notifier_range {
	struct mm_struct *mm;
	uint64_t start, end;
	enum mmu_notifier_event event;
};
static inline void mmu_notifier_range_init(struct mmu_notifier_range *range,
					   enum mmu_notifier_event event,
					   struct mm_struct *mm, uint64_t start, uint64_t end)
{
	range->mm = mm;
	range->start = start;
	range->end = end;
	range->event = event;
}
struct mmu_notifier;
struct mmu_notifier_ops {
	/* The range loses or downgrades translations between start and end. */
	void (*invalidate_range_start)(struct mmu_notifier *mn,
				       const struct mmu_notifier_range *range);
	void (*invalidate_range_end)(struct mmu_notifier *mn,
				     const struct mmu_notifier_range *range);
	/* The address space is going away. */
	void (*release)(struct mmu_notifier *mn, struct mm_struct *mm);
};
struct mmu_notifier {
	const struct mmu_notifier_ops *ops;
	struct list_head list; /* in mm->notifiers */
};
int mmu_notifier_register(struct mmu_notifier *mn, struct mm_struct *mm);
void mmu_notifier_unregister(struct mmu_notifier *mn, struct mm_struct *mm);
void mmu_notifier_invalidate_range_start(const struct mmu_notifier_range *range);
void mmu_notifier_invalidate_range_end(const struct mmu_notifier_range *range);
void mmu_notifier_release(struct mm_struct *mm);

/* 2M anonymous pages mapped now (meminfo AnonHugePages). */
extern uint64_t nr_anon_thp;

/* Counts one event for mm (may be NULL) and globally. */
void count_vm_event(struct mm_struct *mm, enum vm_event_item item);
/* Prints the global counters as a table (when init ends). */
void vm_events_show(void);

#endif
