// SPDX-License-Identifier: MIT
/* mprotect (Linux's mm/mprotect.c): VMAs split and merged around the
 * range, PTEs given the new rights inside an MMU-notifier bracket. */
#include "errno.h"
#include "internal.h"
#include "percpu.h"
#include "sched.h"
#include "syscall.h"

static int mprotect_fixup(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start,
			  uint64_t end, unsigned long newflags)
{
	if (newflags == vma->vm_flags)
		return 0;
	if (vma->vm_start < start) {
		int err = split_vma(mm, vma, start);
		if (err)
			return err;
		vma = vma_next(mm, vma);
	}
	if (vma->vm_end > end) {
		int err = split_vma(mm, vma, end);
		if (err)
			return err;
	}
	vm_stat_account(mm, vma->vm_flags, -(int64_t)vma_pages(vma));
	vma->vm_flags = newflags;
	vm_stat_account(mm, vma->vm_flags, vma_pages(vma));
	change_protection(vma, start, end, newflags);
	vma_merge(mm, vma);
	return 0;
}

/* The notifier event: WRPROTECT when no VMA of the range loses a right
 * but write (secondary MMUs keep the entries read-only), else PROTECTION. */
static enum mmu_notifier_event mprotect_event(struct mm_struct *mm, struct vm_area_struct *vma,
					      uint64_t end, unsigned long newrights)
{
	unsigned long lost = 0;
	for (; vma && vma->vm_start < end; vma = vma_next(mm, vma))
		lost |= vma->vm_flags & ~newrights & (VM_READ | VM_WRITE | VM_EXEC);
	return lost & ~VM_WRITE ? MMU_NOTIFY_PROTECTION_VMA : MMU_NOTIFY_WRPROTECT;
}

SYSCALL_DEFINE3(mprotect, uint64_t, start, uint64_t, len, uint64_t, prot)
{
	struct mm_struct *mm = current->mm;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	uint64_t end = start + len;
	if (end <= start)
		return -ENOMEM;
	unsigned long grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	prot &= ~grows;
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	if (end > TASK_SIZE)
		return -ENOMEM;

	struct vm_area_struct *vma = find_vma(mm, start);
	if (!vma)
		return -ENOMEM;
	if (grows & PROT_GROWSDOWN) {
		if (vma->vm_start >= end)
			return -ENOMEM;
		start = vma->vm_start;
		if (!(vma->vm_flags & VM_GROWSDOWN))
			return -EINVAL;
	} else {
		if (vma->vm_start > start)
			return -ENOMEM;
		if (grows & PROT_GROWSUP)
			return -EINVAL;
	}

	int err = 0;
	mmap_write_lock(mm);
	struct mmu_notifier_range range;
	mmu_notifier_range_init(&range, mprotect_event(mm, vma, end, calc_vm_prot_bits(prot)),
				mm, start, end);
	mmu_notifier_invalidate_range_start(&range);
	for (uint64_t nstart = start;;) {
		unsigned long newflags = calc_vm_prot_bits(prot) | (vma->vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC));
		/* Each right needs its VM_MAY* bit (a read-only file shared). */
		if ((newflags & ~(newflags >> 4)) & (VM_READ | VM_WRITE | VM_EXEC)) {
			err = -EACCES;
			break;
		}
		uint64_t tmp = MIN(vma->vm_end, end);
		err = mprotect_fixup(mm, vma, nstart, tmp, newflags);
		if (err)
			break;
		nstart = tmp;
		if (nstart >= end)
			break;
		vma = find_vma(mm, nstart);
		/* A merge may have joined nstart to the VMA before it. */
		if (!vma || vma->vm_start > nstart) {
			err = -ENOMEM;
			break;
		}
	}
	mmu_notifier_invalidate_range_end(&range);
	mmap_write_unlock(mm);
	return err;
}
