// SPDX-License-Identifier: MIT
/*
 * User page tables and page faults. User PTEs mirror their VMA's rights
 * exactly, so a fault is either demand paging (no PTE yet) or a real access
 * violation. Upper-level entries grant everything; the leaves decide.
 *
 * A PTE that holds a frame is "populated". Under PROT_NONE it keeps its
 * frame with the present bit clear (Linux keeps such pages too), so
 * mprotect can give the memory back with its contents.
 */
#include "errno.h"
#include "mm.h"
#include "pgtable.h"
#include "internal.h"
#include "pmm.h"
#include "slab.h"
#include "string.h"
#include "x86.h"

#define USER_TABLE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)

static struct mm_struct *active_mm;

struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = kzalloc(sizeof(*mm));
	void *vmas = kzalloc(MM_MAX_VMAS * sizeof(struct vm_area_struct));
	phys_addr_t pgd_pa = alloc_zeroed_page();
	if (!mm || !vmas || !pgd_pa) {
		kfree(mm);
		kfree(vmas);
		if (pgd_pa)
			free_pages(pgd_pa, 1);
		return NULL;
	}
	mm->mm_rb = vmas;
	mm->mm_users = 1;
	INIT_LIST_HEAD(&mm->notifiers);
	mm->pgd = pgd_pa;
	/* The kernel half is shared: its upper-level tables never change. */
	uint64_t *pgd = __va(pgd_pa), *kernel = __va(swapper_pg_dir);
	memcpy(pgd + PTRS_PER_TABLE / 2, kernel + PTRS_PER_TABLE / 2,
	       PTRS_PER_TABLE / 2 * sizeof(uint64_t));
	return mm;
}

void switch_mm(struct mm_struct *mm)
{
	active_mm = mm;
	write_cr3(mm->pgd);
}

/* The PTE for va; with alloc, missing tables are created (NULL when out of
 * memory), without, NULL when a table is missing. */
static uint64_t *walk(struct mm_struct *mm, uint64_t va, bool alloc)
{
	uint64_t *table = __va(mm->pgd);
	static const unsigned int shifts[] = {PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT};
	for (unsigned int level = 0; level < 3; level++) {
		uint64_t *entry = &table[(va >> shifts[level]) & 511];
		if (!(*entry & _PAGE_PRESENT)) {
			if (!alloc)
				return NULL;
			phys_addr_t pa = alloc_zeroed_page();
			if (!pa)
				return NULL;
			*entry = pa | USER_TABLE_FLAGS;
		}
		table = __va(*entry & PTE_PFN_MASK);
	}
	return &table[pte_index(va)];
}

uint64_t *lookup_pte(struct mm_struct *mm, uint64_t va)
{
	return walk(mm, va, false);
}

/* The PTE bits for a VMA's rights; none for PROT_NONE (not present). */
static uint64_t vm_flags_to_pte(unsigned long vm_flags)
{
	if (!(vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return 0;
	uint64_t pte = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
	if (vm_flags & VM_WRITE)
		pte |= _PAGE_RW;
	if (!(vm_flags & VM_EXEC))
		pte |= _PAGE_NX & __supported_pte_mask;
	return pte;
}

int install_page(struct mm_struct *mm, uint64_t va, phys_addr_t pa, unsigned long vm_flags)
{
	uint64_t *pte = walk(mm, va, true);
	if (!pte)
		return -ENOMEM;
	BUG_ON(*pte & PTE_PFN_MASK);
	*pte = pa | vm_flags_to_pte(vm_flags);
	return 0;
}

vm_fault_t handle_mm_fault(struct vm_area_struct *vma, uint64_t addr, unsigned int flags)
{
	struct mm_struct *mm = vma->vm_mm;
	uint64_t va = addr & PAGE_MASK;
	uint64_t *pte = walk(mm, va, true);
	if (!pte)
		return VM_FAULT_OOM;
	if (*pte & _PAGE_PRESENT) {
		/* The PTE already allows this access: a stale TLB entry. */
		invlpg(va);
		return 0;
	}
	if (*pte & PTE_PFN_MASK) {
		/* A page kept under PROT_NONE whose VMA allows access again. */
		*pte = (*pte & (PTE_PFN_MASK | _PAGE_DIRTY)) | vm_flags_to_pte(vma->vm_flags);
		return 0;
	}
	phys_addr_t pa = alloc_zeroed_page();
	if (!pa)
		return VM_FAULT_OOM;
	*pte = pa | vm_flags_to_pte(vma->vm_flags) | (flags & FAULT_FLAG_WRITE ? _PAGE_DIRTY : 0);
	return 0;
}

/* Interim: the teardown of a single-process mm is the VM's end. */
void mmput(struct mm_struct *mm)
{
	mm->mm_users--;
}

/* Interim: fork is not there yet. */
struct mm_struct *dup_mm(struct mm_struct *oldmm)
{
	(void)oldmm;
	return NULL;
}

void vma_page_stats(struct vm_area_struct *vma, struct vma_page_stats *st)
{
	*st = (struct vma_page_stats){0};
	for (uint64_t va = vma->vm_start; va < vma->vm_end; va += PAGE_SIZE) {
		uint64_t *pte = lookup_pte(vma->vm_mm, va);
		if (!pte || !(*pte & _PAGE_PRESENT))
			continue;
		st->rss++;
		st->anon++;
		if (*pte & _PAGE_DIRTY)
			st->private_dirty++;
		else
			st->private_clean++;
		if (*pte & _PAGE_ACCESSED)
			st->referenced++;
		if (vma->vm_flags & VM_LOCKED)
			st->locked++;
	}
}

/* Calls fn on each populated PTE in [start, end), skipping missing tables. */
static void for_each_pte(struct mm_struct *mm, uint64_t start, uint64_t end,
			 void (*fn)(struct mm_struct *, uint64_t, uint64_t *, unsigned long),
			 unsigned long arg)
{
	static const unsigned int shifts[] = {PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT};
	uint64_t va = start;
	while (va < end) {
		uint64_t *table = __va(mm->pgd);
		bool hole = false;
		for (unsigned int level = 0; level < 3 && !hole; level++) {
			uint64_t entry = table[(va >> shifts[level]) & 511];
			if (!(entry & _PAGE_PRESENT)) {
				/* Skip everything this missing table would map. */
				uint64_t next = ALIGN_DOWN(va, 1UL << shifts[level]) + (1UL << shifts[level]);
				va = next > va ? next : end;
				hole = true;
			} else {
				table = __va(entry & PTE_PFN_MASK);
			}
		}
		if (hole)
			continue;
		uint64_t *pte = &table[pte_index(va)];
		if (*pte & PTE_PFN_MASK)
			fn(mm, va, pte, arg);
		va += PAGE_SIZE;
	}
}

static void flush_page(struct mm_struct *mm, uint64_t va)
{
	if (mm == active_mm)
		invlpg(va);
}

static void zap_pte(struct mm_struct *mm, uint64_t va, uint64_t *pte, unsigned long unused)
{
	(void)unused;
	free_pages(*pte & PTE_PFN_MASK, 1);
	*pte = 0;
	flush_page(mm, va);
}

/* Frees the pages mapped in [start, end); the page tables stay. */
void unmap_page_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	for_each_pte(mm, start, end, zap_pte, 0);
}

static void change_pte(struct mm_struct *mm, uint64_t va, uint64_t *pte, unsigned long vm_flags)
{
	*pte = (*pte & (PTE_PFN_MASK | _PAGE_DIRTY)) | vm_flags_to_pte(vm_flags);
	flush_page(mm, va);
}

/* Gives the pages in [start, end) the rights of vm_flags. */
void change_protection(struct mm_struct *mm, uint64_t start, uint64_t end, unsigned long vm_flags)
{
	for_each_pte(mm, start, end, change_pte, vm_flags);
}
