// SPDX-License-Identifier: MIT
/* Copies to and from user memory; see include/uaccess.h. */
#include "errno.h"
#include "mm.h"
#include "percpu.h"
#include "pgtable.h"
#include "sched.h"
#include "string.h"
#include "traps.h"
#include "uaccess.h"

void *user_page_ptr(uint64_t addr, int write)
{
	struct mm_struct *mm = current->mm;
	if (addr >= TASK_SIZE)
		return NULL;
	uint64_t need = _PAGE_PRESENT | _PAGE_USER | (write ? _PAGE_RW : 0);
	uint64_t *pte = lookup_pte(mm, addr);
	if (!pte || (*pte & need) != need) {
		/* The same checks as the CPU's fault would get. */
		if (do_user_addr_fault(NULL, write ? X86_PF_WRITE : 0, addr))
			return NULL;
		pte = lookup_pte(mm, addr);
		if (!pte || (*pte & need) != need)
			return NULL;
	}
	/* Keep accessed/dirty bits what the CPU would have made them. */
	*pte |= _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
	if (*pte & _PAGE_PSE)
		return (char *)__va(*pte & PTE_PFN_MASK & ~(PMD_SIZE - 1)) + (addr & (PMD_SIZE - 1));
	return (char *)__va(*pte & PTE_PFN_MASK) + (addr & ~PAGE_MASK);
}

int copy_to_user(uint64_t dst, const void *src, size_t n)
{
	if (!access_ok(dst, n))
		return -EFAULT;
	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (dst & ~PAGE_MASK));
		void *p = user_page_ptr(dst, 1);
		if (!p)
			return -EFAULT;
		memcpy(p, src, chunk);
		src = (const char *)src + chunk;
		dst += chunk;
		n -= chunk;
	}
	return 0;
}

int copy_from_user(void *dst, uint64_t src, size_t n)
{
	if (!access_ok(src, n))
		return -EFAULT;
	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (src & ~PAGE_MASK));
		const void *p = user_page_ptr(src, 0);
		if (!p)
			return -EFAULT;
		memcpy(dst, p, chunk);
		dst = (char *)dst + chunk;
		src += chunk;
		n -= chunk;
	}
	return 0;
}

size_t access_remote_vm(struct mm_struct *mm, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;
	mmap_read_lock(mm);
	while (done < len && addr < TASK_SIZE) {
		uint64_t *pte = lookup_pte(mm, addr);
		if (!pte || !(*pte & _PAGE_PRESENT))
			break;
		/* A 2M entry maps addr at its offset in the 2M frame. */
		uint64_t size = *pte & _PAGE_PSE ? PMD_SIZE : PAGE_SIZE;
		uint64_t phys = (*pte & PTE_PFN_MASK & ~(size - 1)) + (addr & (size - 1));
		size_t chunk = MIN(len - done, size - (addr & (size - 1)));
		chunk = MIN(chunk, TASK_SIZE - addr);
		memcpy((char *)buf + done, __va(phys), chunk);
		done += chunk;
		addr += chunk;
	}
	mmap_read_unlock(mm);
	return done;
}
