// SPDX-License-Identifier: MIT
/*
 * madvise (Linux's mm/madvise.c). Advice that changes VMA flags splits
 * and merges VMAs; DONTNEED and FREE drop pages (inside an MMU-notifier
 * bracket); the POPULATE advice faults pages in. An unmapped part of the
 * range gives ENOMEM after the mapped parts were advised, as on Linux.
 */
#include "errno.h"
#include "fs.h"
#include "internal.h"
#include "percpu.h"
#include "sched.h"
#include "string.h"
#include "syscall.h"

enum {
	MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3,
	MADV_DONTNEED = 4, MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTFORK = 10,
	MADV_DOFORK = 11, MADV_MERGEABLE = 12, MADV_UNMERGEABLE = 13, MADV_HUGEPAGE = 14,
	MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16, MADV_DODUMP = 17, MADV_WIPEONFORK = 18,
	MADV_KEEPONFORK = 19, MADV_COLD = 20, MADV_PAGEOUT = 21, MADV_POPULATE_READ = 22,
	MADV_POPULATE_WRITE = 23, MADV_DONTNEED_LOCKED = 24, MADV_COLLAPSE = 25,
	MADV_HWPOISON = 100, MADV_SOFT_OFFLINE = 101,
};

#define VM_MERGEABLE 0x80000000UL

static bool behavior_valid(int b)
{
	switch (b) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_REMOVE: case MADV_DONTFORK:
	case MADV_DOFORK: case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK:
	case MADV_KEEPONFORK: case MADV_COLD: case MADV_PAGEOUT: case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE: case MADV_DONTNEED_LOCKED: case MADV_COLLAPSE:
	case MADV_HWPOISON: case MADV_SOFT_OFFLINE:
		return true;
	}
	return false;
}

/* The VMA-flag advice: the new flags, or -errno. */
static long new_flags(struct vm_area_struct *vma, int behavior)
{
	unsigned long f = vma->vm_flags;
	switch (behavior) {
	case MADV_NORMAL:
		return f & ~(VM_RAND_READ | VM_SEQ_READ);
	case MADV_RANDOM:
		return (f & ~VM_SEQ_READ) | VM_RAND_READ;
	case MADV_SEQUENTIAL:
		return (f & ~VM_RAND_READ) | VM_SEQ_READ;
	case MADV_DONTFORK:
		return f | VM_DONTCOPY;
	case MADV_DOFORK:
		if (f & VM_IO)
			return -EINVAL;
		return f & ~VM_DONTCOPY;
	case MADV_WIPEONFORK:
		if (vma->vm_file || (f & VM_SHARED))
			return -EINVAL;
		return f | VM_WIPEONFORK;
	case MADV_KEEPONFORK:
		return f & ~VM_WIPEONFORK;
	case MADV_DONTDUMP:
		return f | VM_DONTDUMP;
	case MADV_DODUMP:
		return f & ~VM_DONTDUMP;
	case MADV_MERGEABLE:
		return f | VM_MERGEABLE;
	case MADV_UNMERGEABLE:
		return f & ~VM_MERGEABLE;
	case MADV_HUGEPAGE:
		return (f & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
	case MADV_NOHUGEPAGE:
		return (f & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
	}
	return f;
}

/* Page-cache pages of a shared file range read as zero after
 * MADV_REMOVE (the hole punched). */
static void punch_hole(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	struct address_space *m = vma->vm_file->f_mapping;
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t pgoff = vma->vm_pgoff + ((va - vma->vm_start) >> PAGE_SHIFT);
		struct page *page = filemap_get_page(m, pgoff, false);
		if (page) {
			memset(page_address(page), 0, PAGE_SIZE);
			put_page(page);
		}
	}
}

static long madvise_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start,
			uint64_t end, int behavior)
{
	int err = 0;
	switch (behavior) {
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
	case MADV_FREE:
	case MADV_REMOVE:
		if ((vma->vm_flags & VM_LOCKED) && behavior != MADV_DONTNEED_LOCKED)
			return -EINVAL;
		if (behavior == MADV_FREE && !(vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED)))
			return -EINVAL;
		if (behavior == MADV_REMOVE) {
			if (!vma->vm_file || vma_is_anonymous(vma))
				return -EINVAL;
			if ((vma->vm_flags & (VM_SHARED | VM_WRITE)) != (VM_SHARED | VM_WRITE))
				return -EACCES;
		}
		/* FREE may drop the pages at once: no reclaim here to do it later. */
		struct mmu_notifier_range range;
		mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, mm, start, end);
		mmu_notifier_invalidate_range_start(&range);
		zap_page_range(vma, start, end);
		if (behavior == MADV_REMOVE)
			punch_hole(vma, start, end);
		mmu_notifier_invalidate_range_end(&range);
		return 0;
	case MADV_WILLNEED:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_COLLAPSE:
		if (behavior != MADV_WILLNEED && (vma->vm_flags & VM_LOCKED))
			return -EINVAL;
		return 0;
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE: {
		bool write = behavior == MADV_POPULATE_WRITE;
		if (vma->vm_flags & VM_IO)
			return -EINVAL;
		if (write ? !(vma->vm_flags & VM_WRITE) : !(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
			return write ? -EINVAL : -EFAULT;
		return populate_vma_range(vma, start, end, write);
	}
	}
	long flags = new_flags(vma, behavior);
	if (flags < 0)
		return flags;
	vma = vma_modify_flags(mm, vma, start, end, flags, &err);
	if (err)
		return err == -ENOMEM ? -EAGAIN : err;
	vma_merge(mm, vma);
	return 0;
}

SYSCALL_DEFINE3(madvise, uint64_t, start, uint64_t, len_in, int, behavior)
{
	struct mm_struct *mm = current->mm;
	if (!behavior_valid(behavior))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	uint64_t len = PAGE_ALIGN(len_in);
	if (len_in && !len)
		return -EINVAL;
	uint64_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	if (behavior == MADV_HWPOISON || behavior == MADV_SOFT_OFFLINE)
		return -EPERM;

	mmap_write_lock(mm);
	long unmapped = 0;
	struct vm_area_struct *vma = find_vma(mm, start);
	if (vma && vma->vm_start > start)
		unmapped = -ENOMEM;
	long err = 0;
	for (uint64_t pos = start; vma && vma->vm_start < end;) {
		if (vma->vm_start > pos)
			unmapped = -ENOMEM;
		pos = MAX(pos, vma->vm_start);
		uint64_t hi = MIN(end, vma->vm_end);
		err = madvise_vma(mm, vma, pos, hi, behavior);
		if (err)
			break;
		pos = hi;
		if (pos >= end)
			break;
		vma = find_vma(mm, pos);
		if (!vma || vma->vm_start >= end)
			unmapped = -ENOMEM;
	}
	if (!vma)
		unmapped = -ENOMEM;
	mmap_write_unlock(mm);
	return err ? err : unmapped;
}
