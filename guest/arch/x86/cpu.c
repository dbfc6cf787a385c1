// SPDX-License-Identifier: MIT
/* Per-CPU control state: EFER, the FPU/SSE enablement for user mode, and
 * the SYSCALL MSRs. */
#include "kernel.h"
#include "pgtable.h"
#include "segment.h"
#include "syscall.h"
#include "traps.h"
#include "x86.h"

#define CPUID_EXT_FEATURES 0x80000001
#define CPUID_EXT_EDX_NX (1U << 20)
#define MXCSR_DEFAULT 0x1f80

uint64_t __supported_pte_mask = ~_PAGE_NX;

static void fpu_init(void)
{
	/*
	 * User programs use SSE (the x86-64 ABI requires it): CR0.MP with
	 * CR0.EM and CR0.TS clear lets the FPU/SSE run without traps, and
	 * CR4.OSFXSR/OSXMMEXCPT enable SSE and its exceptions (#XM). The
	 * kernel is built -mgeneral-regs-only, so it never changes user
	 * FPU state and need not save it on entry.
	 */
	write_cr0((read_cr0() | X86_CR0_MP) & ~(X86_CR0_EM | X86_CR0_TS));
	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	uint32_t mxcsr = MXCSR_DEFAULT;
	__asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr));
}

void cpu_init(void)
{
	uint32_t a, b, c, d;
	uint64_t efer = rdmsr(MSR_EFER) | EFER_SCE;

	cpuid(CPUID_EXT_FEATURES, 0, &a, &b, &c, &d);
	if (d & CPUID_EXT_EDX_NX) {
		efer |= EFER_NXE;
		__supported_pte_mask |= _PAGE_NX;
	}
	wrmsr(MSR_EFER, efer);
	fpu_init();
}

void syscall_init(void)
{
	/* SYSCALL loads CS = STAR[47:32], SS = +8; SYSRET loads
	 * SS = STAR[63:48] + 8, CS = STAR[63:48] + 16 (see segment.h). */
	wrmsr(MSR_STAR, ((uint64_t)__USER32_CS << 48) | ((uint64_t)__KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)entry_SYSCALL_64);
	wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_TF | X86_EFLAGS_IF | X86_EFLAGS_DF |
					X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_AC);
}
