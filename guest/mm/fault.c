// SPDX-License-Identifier: MIT
/*
 * The page-fault entry (Linux's arch/x86/mm/fault.c do_user_addr_fault):
 * find the VMA, check the access against its rights, then handle_mm_fault;
 * a bad access becomes SIGSEGV (SEGV_MAPERR without a VMA, SEGV_ACCERR
 * with one), a file page past EOF SIGBUS. Fault-path counters live here.
 */
#include "errno.h"
#include "mm.h"
#include "page.h"
#include "ptrace.h"
#include "sched.h"
#include "signal.h"
#include "traps.h"

const char *const vm_event_names[NR_VM_EVENT_ITEMS] = {
	[PGFAULT] = "pgfault",
	[PGMAJFAULT] = "pgmajfault",
	[FAULT_ANON_ZERO] = "fault_anon_zero_page",
	[FAULT_ANON_NEW] = "fault_anon_new_page",
	[FAULT_READ] = "fault_read",
	[FAULT_AROUND_PAGES] = "fault_around_pages",
	[FAULT_COW] = "fault_cow",
	[FAULT_SHARED] = "fault_shared",
	[FAULT_WP_REUSE] = "fault_wp_reuse",
	[FAULT_WP_COPY] = "fault_wp_copy",
	[FAULT_STACK_EXPAND] = "fault_stack_expand",
	[FAULT_SIGSEGV] = "fault_sigsegv",
	[FAULT_SIGBUS] = "fault_sigbus",
	[FAULT_SPURIOUS] = "fault_spurious",
	[FAULT_HUGE] = "fault_huge_page",
};
uint64_t vm_events[NR_VM_EVENT_ITEMS];

void count_vm_event(struct mm_struct *mm, enum vm_event_item item)
{
	vm_events[item]++;
	if (mm)
		mm->events[item]++;
}

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
	struct vm_area_struct *vma = address < TASK_SIZE ? find_vma(mm, address) : NULL;
	if (vma && address >= vma->vm_start) {
		code = SEGV_ACCERR;
		if (access_permitted(vma, flags)) {
			vm_fault_t ret = handle_mm_fault(vma, address, flags);
			if (!(ret & VM_FAULT_ERROR))
				return 0;
			if (ret & VM_FAULT_SIGBUS) {
				sig = SIGBUS;
				code = BUS_ADRERR;
			} else if (ret & VM_FAULT_OOM) {
				/* No OOM killer: the faulting task dies. */
				sig = SIGKILL;
			}
		}
	}
	count_vm_event(mm, sig == SIGBUS ? FAULT_SIGBUS : FAULT_SIGSEGV);
	if (user)
		force_sig_fault(sig, code, address);
	return -EFAULT;
}
