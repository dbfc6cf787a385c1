// SPDX-License-Identifier: MIT
/*
 * The page-fault entry (Linux's arch/x86/mm/fault.c do_user_addr_fault):
 * find the VMA, check the access against its rights, then handle_mm_fault;
 * a bad access becomes SIGSEGV (SEGV_MAPERR without a VMA, SEGV_ACCERR
 * with one), a file page past EOF SIGBUS. The fault-path counters
 * are in vmstat.c.
 */
#include "errno.h"
#include "mm.h"
#include "page.h"
#include "ptrace.h"
#include "sched.h"
#include "signal.h"
#include "traps.h"

/* x86 cannot map a page write-only or execute-only: any right reads. */
static bool access_permitted(const struct vm_area_struct *vma, unsigned int flags)
{
	if (flags & FAULT_FLAG_WRITE)
		return vma->vm_flags & VM_WRITE;
	if (flags & FAULT_FLAG_INSTRUCTION)
		return vma->vm_flags & VM_EXEC;
	return vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC);
}

int do_user_addr_fault(struct pt_regs *regs, uint64_t error_code, uint64_t address)
{
	struct mm_struct *mm = current->mm;
	bool user = regs && user_mode(regs);
	unsigned int flags = (error_code & X86_PF_WRITE ? FAULT_FLAG_WRITE : 0) |
			     (error_code & X86_PF_INSTR ? FAULT_FLAG_INSTRUCTION : 0) |
			     (user ? FAULT_FLAG_USER : FAULT_FLAG_REMOTE);
	int sig = SIGSEGV, code = SEGV_MAPERR;

	count_vm_event(mm, PGFAULT);
	/* A fault inside a reader (mincore copying out) nests; a fault under
	 * the write lock would deadlock on Linux: the checker reports it. */
	if (mm)
		mmap_read_lock(mm);
	struct vm_area_struct *vma = mm && address < TASK_SIZE ? find_vma(mm, address) : NULL;
	/* Below a stack: it grows down to the address (the guard gap allowing). */
	if (vma && address < vma->vm_start &&
	    (!(vma->vm_flags & VM_GROWSDOWN) || expand_downwards(vma, address)))
		vma = NULL;
	if (vma && address >= vma->vm_start) {
		code = SEGV_ACCERR;
		if (access_permitted(vma, flags)) {
			vm_fault_t ret = handle_mm_fault(vma, address, flags);
			if (!(ret & VM_FAULT_ERROR)) {
				/* getrusage's ru_minflt (no fault here does I/O). */
				current->min_flt++;
				mmap_read_unlock(mm);
				return 0;
			}
			if (ret & VM_FAULT_SIGBUS) {
				sig = SIGBUS;
				code = BUS_ADRERR;
			} else if (ret & VM_FAULT_OOM) {
				/* No OOM killer: the faulting task dies. */
				sig = SIGKILL;
			}
		}
	}
	if (mm)
		mmap_read_unlock(mm);
	count_vm_event(mm, sig == SIGBUS ? FAULT_SIGBUS : FAULT_SIGSEGV);
	if (user)
		force_sig_fault(sig, code, address);
	return -EFAULT;
}
