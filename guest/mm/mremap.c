// SPDX-License-Identifier: MIT
/*
 * mremap (Linux's mm/mremap.c): shrink, grow in place, move
 * (MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP). A move copies the VMA
 * and moves the page-table entries themselves (move_page_tables): the
 * frames stay where they are.
 */
#include "errno.h"
#include "internal.h"
#include "percpu.h"
#include "sched.h"
#include "syscall.h"

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4

/* The VMA holding [addr, addr + old_len), checked for growing to new_len. */
static struct vm_area_struct *vma_to_resize(struct mm_struct *mm, uint64_t addr, uint64_t old_len,
					    uint64_t new_len, long *err)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	*err = -EFAULT;
	if (!vma || vma->vm_start > addr)
		return NULL;
	/* A zero old_len duplicates a shared mapping; private ones cannot. */
	if (!old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE))) {
		*err = -EINVAL;
		return NULL;
	}
	if (old_len > vma->vm_end - addr)
		return NULL;
	if (new_len == old_len)
		return vma;
	if (vma->vm_flags & VM_DONTEXPAND)
		return NULL;
	/* Growing a locked VMA locks the new part too. */
	if (!mlock_future_ok(mm, vma->vm_flags, new_len - old_len)) {
		*err = -EAGAIN;
		return NULL;
	}
	if (!may_expand_vm(mm, vma->vm_flags, (new_len - old_len) >> PAGE_SHIFT)) {
		*err = -ENOMEM;
		return NULL;
	}
	return vma;
}

static long move_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t old_addr,
		     uint64_t old_len, uint64_t new_len, uint64_t new_addr, unsigned long flags)
{
	if (mm->map_count >= DEFAULT_MAX_MAP_COUNT - 3)
		return -ENOMEM;
	/* The old range as a VMA of its own. */
	int err;
	if (old_len) {
		vma = vma_split_range(mm, old_addr, old_addr + old_len, &err);
		if (err)
			return err;
	}
	struct vm_area_struct *new = vm_area_dup(vma);
	if (!new)
		return -ENOMEM;
	new->vm_start = new_addr;
	new->vm_end = new_addr + new_len;
	new->vm_pgoff = vma->vm_pgoff + ((old_addr - vma->vm_start) >> PAGE_SHIFT);
	vma_link(mm, new);
	vm_stat_account(mm, new->vm_flags, new_len >> PAGE_SHIFT);
	if (old_len && move_page_tables(vma, old_addr, new, new_addr, old_len)) {
		/* Out of page tables: put back what moved. */
		move_page_tables(new, new_addr, vma, old_addr, old_len);
		vma_unlink(mm, new);
		vm_stat_account(mm, new->vm_flags, -(int64_t)(new_len >> PAGE_SHIFT));
		vm_area_free(new);
		return -ENOMEM;
	}
	if (flags & MREMAP_DONTUNMAP) {
		/* The old range stays mapped, empty, and no longer locked. */
		int e;
		vma_modify_flags(mm, vma, old_addr, old_addr + old_len, vma->vm_flags & ~VM_LOCKED_MASK, &e);
	} else if (old_len) {
		do_munmap(mm, old_addr, old_len);
	}
	unsigned long vm_flags = new->vm_flags;
	new = vma_merge(mm, new);
	if ((vm_flags & VM_LOCKED) && !(vm_flags & VM_LOCKONFAULT) && new_len > old_len)
		mm_populate(mm, new_addr + old_len, new_len - old_len);
	return new_addr;
}

static long mremap_to(struct mm_struct *mm, uint64_t addr, uint64_t old_len, uint64_t new_addr,
		      uint64_t new_len, unsigned long flags)
{
	if (new_addr & ~PAGE_MASK)
		return -EINVAL;
	if (new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len)
		return -EINVAL;
	/* The ranges may not overlap. */
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL;
	long err;
	if (flags & MREMAP_FIXED) {
		err = do_munmap(mm, new_addr, new_len);
		if (err)
			return err;
	}
	if (old_len > new_len) {
		err = do_munmap(mm, addr + new_len, old_len - new_len);
		if (err)
			return err;
		old_len = new_len;
	}
	struct vm_area_struct *vma = vma_to_resize(mm, addr, old_len, new_len, &err);
	if (!vma)
		return err;
	if ((flags & MREMAP_DONTUNMAP) && !may_expand_vm(mm, vma->vm_flags, old_len >> PAGE_SHIFT))
		return -ENOMEM;
	unsigned long map_flags = (flags & MREMAP_FIXED ? MAP_FIXED : 0) |
				  (vma->vm_flags & VM_MAYSHARE ? MAP_SHARED : 0);
	long ret = get_unmapped_area(mm, new_addr, new_len, map_flags);
	if (ret < 0)
		return ret;
	return move_vma(mm, vma, addr, old_len, new_len, ret, flags);
}

/* Whether vma can grow in place by delta bytes (the guard gaps kept). */
static bool vma_expandable(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t delta)
{
	uint64_t end = vma->vm_end + delta;
	if (end < vma->vm_end || end > TASK_SIZE)
		return false;
	struct vm_area_struct *next = vma_next(mm, vma);
	return !next || end <= vm_start_gap(next);
}

SYSCALL_DEFINE5(mremap, uint64_t, addr, uint64_t, old_len, uint64_t, new_len, uint64_t, flags,
		uint64_t, new_addr)
{
	struct mm_struct *mm = current->mm;
	if (flags & ~(uint64_t)(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!new_len)
		return -EINVAL;
	if (old_len > TASK_SIZE || addr > TASK_SIZE - old_len)
		return -EFAULT;

	mmap_write_lock(mm);
	long ret;
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		ret = mremap_to(mm, addr, old_len, new_addr, new_len, flags);
		goto out;
	}
	if (old_len >= new_len) {
		ret = old_len > new_len ? do_munmap(mm, addr + new_len, old_len - new_len) : 0;
		if (!ret)
			ret = addr;
		goto out;
	}
	struct vm_area_struct *vma = vma_to_resize(mm, addr, old_len, new_len, &ret);
	if (!vma)
		goto out;
	/* Up to the end of its VMA: grow in place when the space is free. */
	if (old_len == vma->vm_end - addr && vma_expandable(mm, vma, new_len - old_len)) {
		uint64_t delta = (new_len - old_len) >> PAGE_SHIFT;
		vma_expand(mm, vma, vma->vm_start, addr + new_len);
		vm_stat_account(mm, vma->vm_flags, delta);
		if (vma->vm_flags & VM_LOCKED && !(vma->vm_flags & VM_LOCKONFAULT))
			mm_populate(mm, addr + old_len, new_len - old_len);
		vma_merge(mm, vma);
		ret = addr;
		goto out;
	}
	ret = -ENOMEM;
	if (flags & MREMAP_MAYMOVE) {
		long to = get_unmapped_area(mm, 0, new_len, vma->vm_flags & VM_MAYSHARE ? MAP_SHARED : 0);
		ret = to < 0 ? to : move_vma(mm, vma, addr, old_len, new_len, to, flags);
	}
out:
	mmap_write_unlock(mm);
	return ret;
}
