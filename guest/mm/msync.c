// SPDX-License-Identifier: MIT
/*
 * msync (Linux's mm/msync.c). Shared file pages are the page cache itself
 * (RAM file systems), so there is nothing to write back: msync checks its
 * arguments and the range as Linux does, and MS_SYNC calls the file's fsync.
 */
#include "errno.h"
#include "fs.h"
#include "internal.h"
#include "percpu.h"
#include "sched.h"
#include "syscall.h"

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

static long do_msync(struct mm_struct *mm, uint64_t start, uint64_t len, int flags)
{
	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	len = PAGE_ALIGN(len);
	uint64_t end = start + len;
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	long unmapped = 0;
	struct vm_area_struct *vma = find_vma(mm, start);
	for (;;) {
		if (!vma)
			return -ENOMEM;
		if (start < vma->vm_start) {
			/* A hole: MS_ASYNC alone stops at once. */
			if (flags == MS_ASYNC)
				return -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				return -ENOMEM;
			unmapped = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED))
			return -EBUSY;
		struct file *file = vma->vm_file;
		start = vma->vm_end;
		if ((flags & MS_SYNC) && file && (vma->vm_flags & VM_SHARED) && file->f_op->fsync) {
			int err = file->f_op->fsync(file);
			if (err)
				return err;
		}
		if (start >= end)
			return unmapped;
		vma = find_vma(mm, start);
	}
}

SYSCALL_DEFINE3(msync, uint64_t, start, uint64_t, len, int, flags)
{
	struct mm_struct *mm = current->mm;
	mmap_read_lock(mm);
	long ret = do_msync(mm, start, len, flags);
	mmap_read_unlock(mm);
	return ret;
}
