// SPDX-License-Identifier: MIT
/*
 * mincore (Linux's mm/mincore.c): one byte per page, 1 when resident.
 * A page is resident when a PTE holds it (the zero page included), or,
 * for an unpopulated page of a file mapping, when the page cache has it.
 */
#include "errno.h"
#include "fs.h"
#include "internal.h"
#include "percpu.h"
#include "sched.h"
#include "syscall.h"
#include "uaccess.h"

static unsigned char page_resident(struct vm_area_struct *vma, uint64_t va)
{
	uint64_t *pte = pte_offset(vma->vm_mm, va);
	if (pte && (*pte & PTE_PFN_MASK))
		return 1;
	if (vma->vm_file && !vma_is_anonymous(vma)) {
		uint64_t pgoff = vma->vm_pgoff + ((va - vma->vm_start) >> PAGE_SHIFT);
		struct page *page = filemap_get_page(vma->vm_file->f_mapping, pgoff, false);
		if (page) {
			put_page(page);
			return 1;
		}
	}
	return 0;
}

SYSCALL_DEFINE3(mincore, uint64_t, start, uint64_t, len, uint64_t, vec)
{
	struct mm_struct *mm = current->mm;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!access_ok(start, len))
		return -ENOMEM;
	uint64_t pages = (len >> PAGE_SHIFT) + ((len & ~PAGE_MASK) != 0);
	if (!access_ok(vec, pages))
		return -EFAULT;
	unsigned char buf[256];
	while (pages) {
		mmap_read_lock(mm);
		struct vm_area_struct *vma = find_vma(mm, start);
		if (!vma || vma->vm_start > start) {
			mmap_read_unlock(mm);
			return -ENOMEM;
		}
		uint64_t n = MIN(pages, sizeof(buf));
		n = MIN(n, (vma->vm_end - start) >> PAGE_SHIFT);
		for (uint64_t i = 0; i < n; i++)
			buf[i] = page_resident(vma, start + (i << PAGE_SHIFT));
		mmap_read_unlock(mm);
		if (copy_to_user(vec, buf, n))
			return -EFAULT;
		pages -= n;
		vec += n;
		start += n << PAGE_SHIFT;
	}
	return 0;
}
