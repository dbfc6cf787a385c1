// SPDX-License-Identifier: MIT
/*
 * Exception handling. A fault in user mode kills the process with the
 * signal Linux would send (a page fault first gets a chance to be a
 * demand-paging fault); a fault in kernel mode is a kernel bug: dump the
 * registers and stop the VM with UMBRA_HC_PANIC.
 */
#include "mm.h"
#include "percpu.h"
#include "printk.h"
#include "sched.h"
#include "signal.h"
#include "traps.h"
#include "x86.h"

struct trap_info {
	const char *name;
	int signo; /* for a user-mode fault; 0: always fatal to the kernel */
};

static const struct trap_info trap_info[NR_EXCEPTIONS] = {
	[X86_TRAP_DE] = {"divide error", SIGFPE},
	[X86_TRAP_DB] = {"debug", SIGTRAP},
	[X86_TRAP_NMI] = {"NMI", 0},
	[X86_TRAP_BP] = {"int3", SIGTRAP},
	[X86_TRAP_OF] = {"overflow", SIGSEGV},
	[X86_TRAP_BR] = {"bounds", SIGSEGV},
	[X86_TRAP_UD] = {"invalid opcode", SIGILL},
	[X86_TRAP_NM] = {"device not available", SIGFPE},
	[X86_TRAP_DF] = {"double fault", 0},
	[X86_TRAP_OLD_MF] = {"coprocessor segment overrun", SIGFPE},
	[X86_TRAP_TS] = {"invalid TSS", SIGSEGV},
	[X86_TRAP_NP] = {"segment not present", SIGBUS},
	[X86_TRAP_SS] = {"stack segment", SIGBUS},
	[X86_TRAP_GP] = {"general protection", SIGSEGV},
	[X86_TRAP_PF] = {"page fault", SIGSEGV},
	[X86_TRAP_MF] = {"x87 floating point", SIGFPE},
	[X86_TRAP_AC] = {"alignment check", SIGBUS},
	[X86_TRAP_MC] = {"machine check", 0},
	[X86_TRAP_XF] = {"SIMD floating point", SIGFPE},
	[X86_TRAP_VE] = {"virtualization", SIGSEGV},
	[X86_TRAP_CP] = {"control protection", SIGSEGV},
};

static const char *trap_name(int64_t vector)
{
	if (vector >= 0 && vector < NR_EXCEPTIONS && trap_info[vector].name)
		return trap_info[vector].name;
	return "reserved";
}

void show_regs(const struct pt_regs *r)
{
	pr_err("vector %ld (%s), error code %#lx", r->vector, trap_name(r->vector), r->error_code);
	pr_err("RIP %04lx:%016lx RSP %04lx:%016lx RFLAGS %08lx", r->cs, r->rip, r->ss,
	       r->rsp, r->rflags);
	pr_err("CR2 %016lx CR3 %016lx CR0 %08lx CR4 %08lx", read_cr2(), read_cr3(),
	       read_cr0(), read_cr4());
	pr_err("RAX %016lx RBX %016lx RCX %016lx", r->rax, r->rbx, r->rcx);
	pr_err("RDX %016lx RSI %016lx RDI %016lx", r->rdx, r->rsi, r->rdi);
	pr_err("RBP %016lx R8  %016lx R9  %016lx", r->rbp, r->r8, r->r9);
	pr_err("R10 %016lx R11 %016lx R12 %016lx", r->r10, r->r11, r->r12);
	pr_err("R13 %016lx R14 %016lx R15 %016lx", r->r13, r->r14, r->r15);
}

static __noreturn void die(const struct pt_regs *regs)
{
	pr_err("kernel-mode exception:");
	show_regs(regs);
	panic("%s (vector %ld) in kernel mode at rip=%#lx, error code %#lx, cr2=%#lx",
	      trap_name(regs->vector), regs->vector, regs->rip, regs->error_code,
	      read_cr2());
}

void do_trap(struct pt_regs *regs)
{
	int64_t vector = regs->vector;

	if (vector >= NR_EXCEPTIONS) {
		/* Nothing is set up to interrupt us yet: note and ignore. */
		static bool warned;
		if (!warned)
			pr_warn("unexpected interrupt, vector %ld (ignored)", vector);
		warned = true;
		return;
	}
	if (vector == X86_TRAP_NMI) {
		pr_warn("NMI received (ignored)");
		return;
	}
	if (user_mode(regs)) {
		if (vector == X86_TRAP_PF) {
			if (regs->error_code & X86_PF_RSVD)
				die(regs); /* the kernel built a bad page-table entry */
			do_user_addr_fault(regs, regs->error_code, read_cr2());
			return;
		}
		if (trap_info[vector].signo) {
			force_sig_fault(trap_info[vector].signo, SI_KERNEL, regs->rip);
			return;
		}
	}
	die(regs);
}
