// SPDX-License-Identifier: MIT
/*
 * VMAs and the mapping system calls (mmap, munmap, mprotect, brk). Anonymous private
 * memory only: a VMA records the range and its rights, and pages arrive on
 * the first touch (handle_mm_fault).
 */
#include "errno.h"
#include "internal.h"
#include "mm.h"
#include "page.h"
#include "percpu.h"
#include "sched.h"
#include "string.h"
#include "syscall.h"

/* Index of the first VMA ending above addr (map_count if none). */
static unsigned int vma_index(const struct mm_struct *mm, uint64_t addr)
{
	unsigned int i = 0;
	while (i < mm->map_count && mm_vmas(mm)[i].vm_end <= addr)
		i++;
	return i;
}

struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr)
{
	unsigned int i = vma_index(mm, addr);
	return i < mm->map_count ? &mm_vmas(mm)[i] : NULL;
}

static bool range_is_free(const struct mm_struct *mm, uint64_t start, uint64_t end)
{
	unsigned int i = vma_index(mm, start);
	return i == mm->map_count || mm_vmas(mm)[i].vm_start >= end;
}

static void remove_vma(struct mm_struct *mm, unsigned int i)
{
	memmove(&mm_vmas(mm)[i], &mm_vmas(mm)[i + 1], (mm->map_count - i - 1) * sizeof(struct vm_area_struct));
	mm->map_count--;
}

/* Adds [start, end), which must be free, merging with equal neighbours. */
int insert_vm_area(struct mm_struct *mm, uint64_t start, uint64_t end, unsigned long vm_flags)
{
	BUG_ON(!range_is_free(mm, start, end));
	unsigned int i = vma_index(mm, start);
	struct vm_area_struct *prev = i > 0 ? &mm_vmas(mm)[i - 1] : NULL;
	struct vm_area_struct *next = i < mm->map_count ? &mm_vmas(mm)[i] : NULL;
	bool join_prev = prev && prev->vm_end == start && prev->vm_flags == vm_flags;
	bool join_next = next && next->vm_start == end && next->vm_flags == vm_flags;

	if (join_prev && join_next) {
		prev->vm_end = next->vm_end;
		remove_vma(mm, i);
	} else if (join_prev) {
		prev->vm_end = end;
	} else if (join_next) {
		next->vm_start = start;
	} else {
		if (mm->map_count == MM_MAX_VMAS)
			return -ENOMEM;
		memmove(&mm_vmas(mm)[i + 1], &mm_vmas(mm)[i], (mm->map_count - i) * sizeof(struct vm_area_struct));
		mm_vmas(mm)[i] = (struct vm_area_struct){.vm_start = start, .vm_end = end, .vm_flags = vm_flags, .vm_mm = mm};
		mm->map_count++;
	}
	return 0;
}

/* Splits VMA i at addr, inside it; the caller checked there is a free slot. */
static void split_vma(struct mm_struct *mm, unsigned int i, uint64_t addr)
{
	memmove(&mm_vmas(mm)[i + 1], &mm_vmas(mm)[i], (mm->map_count - i) * sizeof(struct vm_area_struct));
	mm->map_count++;
	mm_vmas(mm)[i].vm_end = addr;
	mm_vmas(mm)[i + 1].vm_start = addr;
}

/* Joins VMAs that touch and have equal flags. */
static void merge_vmas(struct mm_struct *mm)
{
	for (unsigned int i = 0; i + 1 < mm->map_count;) {
		struct vm_area_struct *a = &mm_vmas(mm)[i], *b = &mm_vmas(mm)[i + 1];
		if (a->vm_end == b->vm_start && a->vm_flags == b->vm_flags) {
			a->vm_end = b->vm_end;
			remove_vma(mm, i + 1);
		} else {
			i++;
		}
	}
}

/* Removes [start, start + len) (page aligned) from the VMAs and frees its pages. */
int do_munmap(struct mm_struct *mm, uint64_t start, uint64_t len)
{
	uint64_t end = start + PAGE_ALIGN(len);
	unsigned int i = vma_index(mm, start);

	if (i < mm->map_count) {
		struct vm_area_struct *v = &mm_vmas(mm)[i];
		if (v->vm_start < start && v->vm_end > end) {
			/* A hole in the middle splits the VMA in two. */
			if (mm->map_count == MM_MAX_VMAS)
				return -ENOMEM;
			split_vma(mm, i, start);
			mm_vmas(mm)[i + 1].vm_start = end;
			unmap_page_range(mm, start, end);
			return 0;
		}
	}
	while (i < mm->map_count && mm_vmas(mm)[i].vm_start < end) {
		struct vm_area_struct *v = &mm_vmas(mm)[i];
		if (v->vm_start < start) {
			v->vm_end = start;
			i++;
		} else if (v->vm_end > end) {
			v->vm_start = end;
			break;
		} else {
			remove_vma(mm, i);
		}
	}
	unmap_page_range(mm, start, end);
	return 0;
}

/* Highest free range of len bytes below mm->mmap_base, or 0. */
static uint64_t get_unmapped_area(const struct mm_struct *mm, uint64_t len)
{
	uint64_t top = mm->mmap_base;
	for (int i = (int)mm->map_count - 1; i >= -1; i--) {
		uint64_t gap_start = i >= 0 ? mm_vmas(mm)[i].vm_end : MMAP_MIN_ADDR;
		if (i >= 0 && mm_vmas(mm)[i].vm_start >= top)
			continue;
		gap_start = MAX(gap_start, MMAP_MIN_ADDR);
		if (top >= gap_start && top - gap_start >= len)
			return top - len;
		if (i >= 0)
			top = MIN(top, mm_vmas(mm)[i].vm_start);
	}
	return 0;
}

static unsigned long prot_to_vm_flags(unsigned long prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

/* Maps anonymous memory; len is non-zero and at most TASK_SIZE. */
long do_mmap(struct mm_struct *mm, struct file *file, uint64_t addr, uint64_t len,
	     unsigned long prot, unsigned long flags, uint64_t pgoff)
{
	(void)pgoff;
	if (file)
		return -ENODEV;
	len = PAGE_ALIGN(len);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (addr < MMAP_MIN_ADDR)
			return -EPERM;
		if (addr > TASK_SIZE - len)
			return -ENOMEM;
		if (flags & MAP_FIXED_NOREPLACE) {
			if (!range_is_free(mm, addr, addr + len))
				return -EEXIST;
		} else {
			int err = do_munmap(mm, addr, len);
			if (err)
				return err;
		}
	} else {
		/* A hint is used when that range is free, as on Linux. */
		addr = PAGE_ALIGN(addr);
		if (addr < MMAP_MIN_ADDR || addr > TASK_SIZE - len ||
		    !range_is_free(mm, addr, addr + len))
			addr = get_unmapped_area(mm, len);
		if (!addr)
			return -ENOMEM;
	}
	int err = insert_vm_area(mm, addr, addr + len, prot_to_vm_flags(prot));
	return err ? err : (long)addr;
}

SYSCALL_DEFINE6(mmap, uint64_t, addr, uint64_t, len, uint64_t, prot, uint64_t, flags,
		uint64_t, fd, uint64_t, off)
{
	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		/* No file supports mmap yet; fds 0-2 are the console. */
		return (int)fd >= 0 && (int)fd <= 2 ? -ENODEV : -EBADF;
	}
	/* Shared anonymous memory would need sharing across fork: not yet. */
	if ((flags & MAP_TYPE) != MAP_PRIVATE)
		return -EINVAL;
	if (len == 0)
		return -EINVAL;
	if (len > TASK_SIZE)
		return -ENOMEM;
	return do_mmap(current->mm, NULL, addr, len, prot, flags, off >> PAGE_SHIFT);
}

SYSCALL_DEFINE2(munmap, uint64_t, addr, uint64_t, len)
{
	if ((addr & ~PAGE_MASK) || len == 0 || len > TASK_SIZE ||
	    addr > TASK_SIZE - PAGE_ALIGN(len))
		return -EINVAL;
	return do_munmap(current->mm, addr, len);
}

SYSCALL_DEFINE3(mprotect, uint64_t, start, uint64_t, len, uint64_t, prot)
{
	struct mm_struct *mm = current->mm;
	if ((start & ~PAGE_MASK) || (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (len > TASK_SIZE || start > TASK_SIZE - PAGE_ALIGN(len))
		return -ENOMEM;
	uint64_t end = start + PAGE_ALIGN(len);

	/* The whole range must be mapped. */
	unsigned int first = vma_index(mm, start), last = first;
	if (first == mm->map_count || mm_vmas(mm)[first].vm_start > start)
		return -ENOMEM;
	while (mm_vmas(mm)[last].vm_end < end) {
		if (last + 1 == mm->map_count || mm_vmas(mm)[last + 1].vm_start != mm_vmas(mm)[last].vm_end)
			return -ENOMEM;
		last++;
	}
	unsigned int splits = (mm_vmas(mm)[first].vm_start < start) + (mm_vmas(mm)[last].vm_end > end);
	if (mm->map_count + splits > MM_MAX_VMAS)
		return -ENOMEM;

	if (mm_vmas(mm)[first].vm_start < start) {
		split_vma(mm, first, start);
		first++;
		last++;
	}
	if (mm_vmas(mm)[last].vm_end > end)
		split_vma(mm, last, end);
	unsigned long vm_flags = prot_to_vm_flags(prot);
	for (unsigned int i = first; i <= last; i++)
		mm_vmas(mm)[i].vm_flags = vm_flags;
	merge_vmas(mm);
	change_protection(mm, start, end, vm_flags);
	return 0;
}

/* Returns the new break, or the old one when it cannot move (Linux ABI). */
SYSCALL_DEFINE1(brk, uint64_t, brk)
{
	struct mm_struct *mm = current->mm;
	if (brk < mm->start_brk || brk > TASK_SIZE)
		return mm->brk;
	uint64_t old_end = PAGE_ALIGN(mm->brk), new_end = PAGE_ALIGN(brk);

	if (new_end < old_end) {
		if (do_munmap(mm, new_end, old_end - new_end))
			return mm->brk;
	} else if (new_end > old_end) {
		if (!range_is_free(mm, old_end, new_end) ||
		    insert_vm_area(mm, old_end, new_end, VM_READ | VM_WRITE))
			return mm->brk;
	}
	mm->brk = brk;
	return brk;
}

const char *vma_special_name(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	if (vma->vm_ops && vma->vm_ops->name)
		return vma->vm_ops->name(vma);
	if (vma->vm_start < mm->brk && vma->vm_end > mm->start_brk)
		return "[heap]";
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
	return NULL;
}
