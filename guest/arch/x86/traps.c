// SPDX-License-Identifier: MIT
/*
 * Exception and interrupt handling. A fault in user mode sends the signal
 * Linux would, with its siginfo (a page fault first goes to the mm); a
 * fault in kernel mode is a kernel bug: dump the registers and stop the VM
 * with UMBRA_HC_PANIC. The LAPIC timer interrupt drives the scheduler.
 * Every return to user mode passes exit_to_user_mode (signals, preemption).
 */
#include <umbra/hypercall.h>

#include "apic.h"
#include "balloon.h"
#include "mm.h"
#include "percpu.h"
#include "printk.h"
#include "sched.h"
#include "shadow_pv.h"
#include "signal.h"
#include "smp.h"
#include "traps.h"
#include "x86.h"

struct trap_info {
	const char *name;
	int signo;   /* for a user-mode fault; 0: always fatal to the kernel */
	int si_code; /* with si_addr = rip; SI_KERNEL: si_addr 0 */
};

static const struct trap_info trap_info[NR_EXCEPTIONS] = {
	[X86_TRAP_DE] = {"divide error", SIGFPE, FPE_INTDIV},
	[X86_TRAP_DB] = {"debug", SIGTRAP, SI_KERNEL},
	[X86_TRAP_NMI] = {"NMI", 0},
	[X86_TRAP_BP] = {"int3", SIGTRAP, SI_KERNEL},
	[X86_TRAP_OF] = {"overflow", SIGSEGV, SI_KERNEL},
	[X86_TRAP_BR] = {"bounds", SIGSEGV, SI_KERNEL},
	[X86_TRAP_UD] = {"invalid opcode", SIGILL, ILL_ILLOPN},
	[X86_TRAP_NM] = {"device not available", SIGFPE, SI_KERNEL},
	[X86_TRAP_DF] = {"double fault", 0},
	[X86_TRAP_OLD_MF] = {"coprocessor segment overrun", SIGFPE, SI_KERNEL},
	[X86_TRAP_TS] = {"invalid TSS", SIGSEGV, SI_KERNEL},
	[X86_TRAP_NP] = {"segment not present", SIGBUS, SI_KERNEL},
	[X86_TRAP_SS] = {"stack segment", SIGBUS, SI_KERNEL},
	[X86_TRAP_GP] = {"general protection", SIGSEGV, SI_KERNEL},
	[X86_TRAP_PF] = {"page fault", SIGSEGV, SEGV_MAPERR},
	[X86_TRAP_MF] = {"x87 floating point", SIGFPE, SI_KERNEL},
	[X86_TRAP_AC] = {"alignment check", SIGBUS, BUS_ADRALN},
	[X86_TRAP_MC] = {"machine check", 0},
	[X86_TRAP_XF] = {"SIMD floating point", SIGFPE, SI_KERNEL},
	[X86_TRAP_VE] = {"virtualization", SIGSEGV, SI_KERNEL},
	[X86_TRAP_CP] = {"control protection", SIGSEGV, SI_KERNEL},
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

static void do_interrupt(int64_t vector)
{
	if (vector == LOCAL_TIMER_VECTOR) {
		apic_eoi();
		scheduler_tick();
		return;
	}
	if (vector == SPURIOUS_APIC_VECTOR)
		return; /* no EOI for a spurious interrupt */
	if (vector == UMBRA_BALLOON_VECTOR) {
		apic_eoi();
		balloon_host_changed();
		return;
	}
	if (vector == RESCHEDULE_VECTOR) {
		/* The idle loop, or exit_to_user_mode, looks at the run queue. */
		apic_eoi();
		return;
	}
	static bool warned;
	if (!warned)
		pr_warn("unexpected interrupt, vector %ld (ignored)", vector);
	warned = true;
	apic_eoi();
}

void do_trap(struct pt_regs *regs)
{
	int64_t vector = regs->vector;
	/* Read first: in shadow mode any access below may fault again (the
	 * VMM's host memory takes pages away: docs/host-memory.md), and a
	 * nested #PF overwrites CR2. */
	uint64_t cr2 = vector == X86_TRAP_PF ? read_cr2() : 0;

	if (vector == TLB_FLUSH_VECTOR) {
		/* Without the lock: the CPU that asked holds it and waits. */
		apic_eoi();
		smp_tlb_flush_ipi();
		return;
	}
	if (vector == UMBRA_SHADOW_KICK_VECTOR && shadow_paging) {
		/* Without the lock too: the VMM waits for it, perhaps in a
		 * hypercall of the CPU that holds the lock. EOI first: a kick
		 * sent while this one is handled is delivered again after it,
		 * and flushed then. */
		apic_eoi();
		shadow_kick();
		return;
	}
	/* Shadow mode: a kernel-mode fault the VMM fills needs no lock, and
	 * one taken in a handler that runs without it (a TLB-flush IPI or a
	 * kick, whose sender holds the lock and waits) must not take it. */
	if (vector == X86_TRAP_PF && shadow_paging && !user_mode(regs) &&
	    shadow_first_chance(regs))
		return;
	/* From user mode, or an interrupt in the idle loop's HLT; an exception
	 * in the kernel already has it. exit_to_user_mode gives it back. */
	bool locked_here = !kernel_locked();
	if (locked_here)
		lock_kernel();

	if (vector >= NR_EXCEPTIONS) {
		do_interrupt(vector);
	} else if (vector == X86_TRAP_NMI) {
		pr_warn("NMI received (ignored)");
	} else if (vector == X86_TRAP_PF && shadow_paging && user_mode(regs) &&
		   shadow_first_chance(regs)) {
		/* The VMM filled its shadow entry: retry the access. */
	} else if (!user_mode(regs)) {
		die(regs);
	} else if (vector == X86_TRAP_PF) {
		if (regs->error_code & X86_PF_RSVD)
			die(regs); /* the kernel built a bad page-table entry */
		do_user_addr_fault(regs, regs->error_code, cr2);
		if (shadow_paging)
			shadow_prefill(cr2, regs->error_code);
	} else if (trap_info[vector].signo) {
		const struct trap_info *t = &trap_info[vector];
		force_sig_fault(t->signo, t->si_code, t->si_code == SI_KERNEL ? 0 : regs->rip);
	} else {
		die(regs);
	}
	if (user_mode(regs))
		exit_to_user_mode(regs);
	else if (locked_here)
		unlock_kernel();
}
