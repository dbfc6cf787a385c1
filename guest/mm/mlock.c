// SPDX-License-Identifier: MIT
/*
 * mlock, mlock2, munlock, mlockall, munlockall (Linux's mm/mlock.c).
 * VM_LOCKED VMAs are faulted in whole (unless VM_LOCKONFAULT) and count in
 * locked_vm (VmLck); nothing is ever swapped here, so locking is the
 * flags, the accounting and the population.
 */
#include "errno.h"
#include "internal.h"
#include "percpu.h"
#include "sched.h"
#include "syscall.h"

#define MLOCK_ONFAULT 0x01
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4

static int apply_vma_lock_flags(struct mm_struct *mm, uint64_t start, uint64_t len,
				unsigned long flags)
{
	uint64_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	struct vm_area_struct *vma = find_vma(mm, start);
	if (!vma || vma->vm_start > start)
		return -ENOMEM;
	for (uint64_t pos = start;;) {
		unsigned long newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | flags;
		uint64_t hi = MIN(vma->vm_end, end);
		int err;
		vma = vma_modify_flags(mm, vma, pos, hi, newflags, &err);
		if (err)
			return err;
		vma_merge(mm, vma);
		pos = hi;
		if (pos >= end)
			return 0;
		vma = find_vma(mm, pos);
		if (!vma || vma->vm_start > pos)
			return -ENOMEM;
	}
}

/* RLIMIT_MEMLOCK in pages; root is not bound by it (CAP_IPC_LOCK). */
static uint64_t lock_limit_pages(void)
{
	return rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
}

/* Linux's can_do_mlock: a normal user may lock only under a non-zero
 * RLIMIT_MEMLOCK. */
bool can_do_mlock(void)
{
	return rlimit(RLIMIT_MEMLOCK) != 0 || capable();
}

/* Linux's mlock_future_ok: a new VM_LOCKED mapping of bytes keeps mm's
 * locked memory within the limit. */
bool mlock_future_ok(struct mm_struct *mm, unsigned long vm_flags, uint64_t bytes)
{
	if (!(vm_flags & VM_LOCKED) || capable())
		return true;
	return mm->locked_vm + (bytes >> PAGE_SHIFT) <= lock_limit_pages();
}

/* Pages of [start, start + len) that are already locked: locking them
 * again costs nothing against the limit. */
static uint64_t count_mm_mlocked_page_nr(struct mm_struct *mm, uint64_t start, uint64_t len)
{
	uint64_t count = 0, end = start + len;
	for (struct vm_area_struct *vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end))
		if (vma->vm_flags & VM_LOCKED)
			count += (MIN(end, vma->vm_end) - MAX(start, vma->vm_start)) >> PAGE_SHIFT;
	return count;
}

static long do_mlock(uint64_t start, uint64_t len, unsigned long flags)
{
	struct mm_struct *mm = current->mm;
	if (!can_do_mlock())
		return -EPERM;
	len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
	start &= PAGE_MASK;
	if (len > TASK_SIZE || start > TASK_SIZE - len)
		return len ? -ENOMEM : 0;
	mmap_write_lock(mm);
	uint64_t locked = mm->locked_vm + (len >> PAGE_SHIFT);
	if (locked > lock_limit_pages() && !capable())
		locked -= count_mm_mlocked_page_nr(mm, start, len);
	if (locked > lock_limit_pages() && !capable()) {
		mmap_write_unlock(mm);
		return -ENOMEM;
	}
	int err = apply_vma_lock_flags(mm, start, len, flags);
	/* The range stays locked, but running out of memory while faulting
	 * it in is reported, as EAGAIN (Linux's __mlock_posix_error_return). */
	if (!err && !(flags & VM_LOCKONFAULT) && mm_populate(mm, start, len) == -ENOMEM)
		err = -EAGAIN;
	mmap_write_unlock(mm);
	return err;
}

SYSCALL_DEFINE2(mlock, uint64_t, start, uint64_t, len)
{
	return do_mlock(start, len, VM_LOCKED);
}

SYSCALL_DEFINE3(mlock2, uint64_t, start, uint64_t, len, int, flags)
{
	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	return do_mlock(start, len, VM_LOCKED | (flags & MLOCK_ONFAULT ? VM_LOCKONFAULT : 0));
}

SYSCALL_DEFINE2(munlock, uint64_t, start, uint64_t, len)
{
	struct mm_struct *mm = current->mm;
	len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
	start &= PAGE_MASK;
	if (len > TASK_SIZE || start > TASK_SIZE - len)
		return len ? -ENOMEM : 0;
	mmap_write_lock(mm);
	int err = apply_vma_lock_flags(mm, start, len, 0);
	mmap_write_unlock(mm);
	return err;
}

static void apply_mlockall_flags(struct mm_struct *mm, int flags)
{
	mm->def_flags &= ~VM_LOCKED_MASK;
	unsigned long to_add = 0;
	if (flags & MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			mm->def_flags |= VM_LOCKONFAULT;
		if (!(flags & MCL_CURRENT))
			return;
	}
	if (flags & MCL_CURRENT) {
		to_add |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			to_add |= VM_LOCKONFAULT;
	}
	for (struct vm_area_struct *vma = find_vma(mm, 0); vma;) {
		unsigned long newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | to_add;
		uint64_t end = vma->vm_end;
		int err;
		vma = vma_modify_flags(mm, vma, vma->vm_start, end, newflags, &err);
		vma = vma_merge(mm, vma);
		vma = find_vma(mm, MAX(end, vma->vm_end));
	}
}

SYSCALL_DEFINE1(mlockall, int, flags)
{
	struct mm_struct *mm = current->mm;
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock())
		return -EPERM;
	/* Linux compares the whole address space with the limit. */
	if ((flags & MCL_CURRENT) && mm->total_vm > lock_limit_pages() && !capable())
		return -ENOMEM;
	mmap_write_lock(mm);
	apply_mlockall_flags(mm, flags);
	if ((flags & MCL_CURRENT) && !(flags & MCL_ONFAULT))
		mm_populate(mm, 0, TASK_SIZE);
	mmap_write_unlock(mm);
	return 0;
}

SYSCALL_DEFINE0(munlockall)
{
	mmap_write_lock(current->mm);
	apply_mlockall_flags(current->mm, 0);
	mmap_write_unlock(current->mm);
	return 0;
}
