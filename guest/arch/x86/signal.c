// SPDX-License-Identifier: MIT
/*
 * The x86-64 signal frame, laid out as Linux's (arch/x86/kernel/signal_64.c)
 * so that the C library's restorer, siglongjmp and handlers reading
 * uc_mcontext work: below the interrupted stack pointer (less the 128-byte
 * red zone) or at the top of the alternate stack, the FXSAVE area
 * (64-aligned), then struct rt_sigframe {pretcode, ucontext, siginfo} with
 * pretcode at 16n - 8, as if the handler had been called.
 */
#include "errno.h"
#include "processor.h"
#include "ptrace.h"
#include "sched.h"
#include "segment.h"
#include "signal.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"
#include "x86.h"

#define REDZONE 128
#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4

/* Flags a handler may change through sigreturn (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS                                                                      \
	(X86_EFLAGS_AC | (1UL << 11) /* OF */ | X86_EFLAGS_DF | X86_EFLAGS_TF |         \
	 (1UL << 7) /* SF */ | (1UL << 6) /* ZF */ | (1UL << 4) /* AF */ |               \
	 (1UL << 2) /* PF */ | X86_EFLAGS_CF | (1UL << 16) /* RF */)

struct sigcontext_64 {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* user address of the FXSAVE area */
	uint64_t reserved1[8];
};

struct ucontext_64 {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct {
		uint64_t ss_sp;
		int ss_flags;
		int pad;
		uint64_t ss_size;
	} uc_stack;
	struct sigcontext_64 uc_mcontext;
	sigset_t uc_sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext_64 uc;
	struct kernel_siginfo info;
};

_Static_assert(sizeof(struct sigcontext_64) == 256, "sigcontext");
_Static_assert(offsetof(struct rt_sigframe, uc.uc_mcontext) == 48, "ucontext");
_Static_assert(offsetof(struct rt_sigframe, info) == 312, "rt_sigframe");

bool on_sig_stack(uint64_t sp)
{
	struct task_struct *p = current;
	return p->sas_ss_size && sp > p->sas_ss_sp && sp - p->sas_ss_sp <= p->sas_ss_size;
}

static bool canonical(uint64_t addr)
{
	return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

int setup_rt_frame(int sig, struct k_sigaction *ka, struct kernel_siginfo *info, sigset_t oldmask,
		   struct pt_regs *regs)
{
	struct task_struct *p = current;
	static uint8_t fxsave[FXSAVE_SIZE] __aligned(16);
	struct rt_sigframe frame;
	uint64_t sp = regs->rsp - REDZONE;
	bool was_on_stack = on_sig_stack(regs->rsp);

	if (!(ka->flags & SA_RESTORER))
		return -EFAULT; /* x86-64 has no kernel-provided restorer */
	if ((ka->flags & SA_ONSTACK) && p->sas_ss_size && !was_on_stack)
		sp = p->sas_ss_sp + p->sas_ss_size;
	uint64_t fp = ALIGN_DOWN(sp - FXSAVE_SIZE, 64);
	uint64_t addr = ALIGN_DOWN(fp - sizeof(frame), 16) - 8;

	memset(&frame, 0, sizeof(frame));
	frame.pretcode = ka->restorer;
	frame.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	frame.uc.uc_stack.ss_sp = p->sas_ss_sp;
	frame.uc.uc_stack.ss_size = p->sas_ss_size;
	frame.uc.uc_stack.ss_flags = was_on_stack ? SS_ONSTACK : p->sas_ss_size ? 0 : SS_DISABLE;
	frame.uc.uc_stack.ss_flags |= p->sas_ss_flags & SS_AUTODISARM;
	struct sigcontext_64 *sc = &frame.uc.uc_mcontext;
	sc->r8 = regs->r8, sc->r9 = regs->r9, sc->r10 = regs->r10, sc->r11 = regs->r11;
	sc->r12 = regs->r12, sc->r13 = regs->r13, sc->r14 = regs->r14, sc->r15 = regs->r15;
	sc->rdi = regs->rdi, sc->rsi = regs->rsi, sc->rbp = regs->rbp, sc->rbx = regs->rbx;
	sc->rdx = regs->rdx, sc->rax = regs->rax, sc->rcx = regs->rcx, sc->rsp = regs->rsp;
	sc->rip = regs->rip, sc->eflags = regs->rflags;
	sc->cs = __USER_CS, sc->ss = __USER_DS;
	if (regs->vector >= 0) {
		sc->trapno = regs->vector;
		sc->err = regs->error_code;
		if (regs->vector == 14)
			sc->cr2 = info->si_addr;
	}
	sc->oldmask = oldmask;
	sc->fpstate = fp;
	frame.uc.uc_sigmask = oldmask;
	frame.info = *info;

	fpu_save(fxsave);
	/* No extended state follows (sw_reserved's magic is not set). */
	memset(fxsave + 464, 0, FXSAVE_SIZE - 464);
	if (copy_to_user(fp, fxsave, FXSAVE_SIZE) || copy_to_user(addr, &frame, sizeof(frame)))
		return -EFAULT;
	if (p->sas_ss_flags & SS_AUTODISARM) {
		p->sas_ss_sp = p->sas_ss_size = 0;
	}

	regs->rdi = sig;
	regs->rsi = addr + offsetof(struct rt_sigframe, info);
	regs->rdx = addr + offsetof(struct rt_sigframe, uc);
	regs->rax = 0;
	regs->rsp = addr;
	regs->rip = ka->handler;
	regs->cs = __USER_CS;
	regs->ss = __USER_DS;
	regs->rflags &= ~(X86_EFLAGS_DF | X86_EFLAGS_TF | (1UL << 16));
	/* The handler starts with a clean FPU, as on Linux. */
	fpu_reset();
	return 0;
}

SYSCALL_DEFINE0(rt_sigreturn)
{
	struct task_struct *p = current;
	struct pt_regs *regs = task_pt_regs(p);
	static uint8_t fxsave[FXSAVE_SIZE] __aligned(16);
	struct ucontext_64 uc;
	uint64_t frame = regs->rsp - 8;

	if (copy_from_user(&uc, frame + offsetof(struct rt_sigframe, uc), sizeof(uc)))
		goto bad;
	const struct sigcontext_64 *sc = &uc.uc_mcontext;
	/* IRET to a non-canonical address would fault in the kernel. */
	if (!canonical(sc->rip) || !canonical(sc->rsp))
		goto bad;
	if (sc->fpstate) {
		uint32_t mxcsr;
		if (copy_from_user(fxsave, sc->fpstate, FXSAVE_SIZE))
			goto bad;
		memcpy(&mxcsr, fxsave + FXSAVE_MXCSR_OFFSET, sizeof(mxcsr));
		if (mxcsr & ~MXCSR_VALID_MASK)
			goto bad;
	}

	p->blocked = uc.uc_sigmask & ~(sigmask(SIGKILL) | sigmask(SIGSTOP));
	regs->r8 = sc->r8, regs->r9 = sc->r9, regs->r10 = sc->r10, regs->r11 = sc->r11;
	regs->r12 = sc->r12, regs->r13 = sc->r13, regs->r14 = sc->r14, regs->r15 = sc->r15;
	regs->rdi = sc->rdi, regs->rsi = sc->rsi, regs->rbp = sc->rbp, regs->rbx = sc->rbx;
	regs->rdx = sc->rdx, regs->rax = sc->rax, regs->rcx = sc->rcx, regs->rsp = sc->rsp;
	regs->rip = sc->rip;
	regs->rflags = (regs->rflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	regs->cs = __USER_CS;
	regs->ss = __USER_DS;
	regs->error_code = -1; /* not a system call to restart */
	if (sc->fpstate)
		fpu_restore(fxsave);
	else
		fpu_reset();

	/* The alternate stack as the frame says (errors ignored, as Linux). */
	uint64_t sp = regs->rsp;
	if (!on_sig_stack(sp)) {
		int mode = uc.uc_stack.ss_flags & ~SS_AUTODISARM;
		if (mode == SS_DISABLE) {
			p->sas_ss_sp = p->sas_ss_size = 0;
		} else if ((mode == 0 || mode == SS_ONSTACK) && uc.uc_stack.ss_size >= MINSIGSTKSZ) {
			p->sas_ss_sp = uc.uc_stack.ss_sp;
			p->sas_ss_size = uc.uc_stack.ss_size;
		}
		p->sas_ss_flags = uc.uc_stack.ss_flags & SS_AUTODISARM;
	}
	return regs->rax;

bad:
	force_sigsegv();
	return 0;
}
