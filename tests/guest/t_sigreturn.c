/* SPDX-License-Identifier: MIT */
/*
 * rt_sigreturn: returning from a handler resumes the interrupted code with
 * every register as it was, or as the handler changed it in the ucontext.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "suite.h"

static char *fixable_page;
static volatile int order[4], order_len;

/* Clobbers caller-saved and vector registers, which the kernel must restore. */
static void on_usr1(int sig)
{
	(void)sig;
	__asm__ volatile("mov $-1, %%r8\n\tmov $-1, %%r9\n\tmov $-1, %%r10\n\tpcmpeqd %%xmm0, %%xmm0"
			 ::: "r8", "r9", "r10", "xmm0");
}

/* SIGSEGV: makes the page writable; the faulting write then runs again. */
static void on_segv(int sig)
{
	(void)sig;
	mprotect(fixable_page, PAGE, PROT_READ | PROT_WRITE);
}

/* SIGILL from ud2: skip the 2-byte instruction and set rax. */
static void on_ill(int sig, siginfo_t *info, void *context)
{
	ucontext_t *uc = context;
	(void)sig;
	(void)info;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
	uc->uc_mcontext.gregs[REG_RAX] = 1234;
}

static void on_usr2(int sig)
{
	(void)sig;
	order[order_len++] = 2;
}

/* Nested: a handler that raises another handled signal. */
static void on_hup(int sig)
{
	(void)sig;
	order[order_len++] = 1;
	raise(SIGUSR2);
	order[order_len++] = 3;
}

int main(void)
{
	struct sigaction sa = {0};
	uint64_t r8, r9, r10, r12, xmm_lo;
	long rax;

	plan(8);
	signal(SIGUSR1, on_usr1);
	/*
	 * kill(self, SIGUSR1) by hand, with known values in the registers the
	 * handler clobbers (r12 is callee-saved: the compiler saves it).
	 */
	__asm__ volatile("mov $0x1111, %%r8\n\tmov $0x2222, %%r9\n\t"
			 "mov $0x3333, %%r10\n\tmov $0x4444, %%r12\n\t"
			 "movq %[pattern], %%xmm0\n\t"
			 "syscall\n\t"
			 "mov %%r8, %[o8]\n\tmov %%r9, %[o9]\n\tmov %%r10, %[o10]\n\t"
			 "mov %%r12, %[o12]\n\tmovq %%xmm0, %[oxmm]"
			 : [o8] "=m"(r8), [o9] "=m"(r9), [o10] "=m"(r10), [o12] "=m"(r12),
			   [oxmm] "=m"(xmm_lo), "=a"(rax)
			 : "a"((long)SYS_kill), "D"((long)getpid()), "S"((long)SIGUSR1),
			   [pattern] "r"(0x5555aaaa5555aaaaULL)
			 : "rcx", "r8", "r9", "r10", "r11", "r12", "memory", "xmm0");
	is_long(rax, 0, "kill returned 0 after the handler ran");
	ok(r8 == 0x1111 && r9 == 0x2222 && r10 == 0x3333 && r12 == 0x4444,
	   "general registers restored after the handler");
	is_hex(xmm_lo, 0x5555aaaa5555aaaaULL, "xmm0 restored after the handler");

	fixable_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	signal(SIGSEGV, on_segv);
	*(volatile char *)(fixable_page + 10) = 42;
	is_long(fixable_page[10], 42, "faulting write re-executed after the handler fixed the page");
	signal(SIGSEGV, SIG_DFL);

	sa.sa_sigaction = on_ill;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &sa, NULL);
	__asm__ volatile("xor %%eax, %%eax\n\tud2" : "=a"(rax) :: "memory");
	is_long(rax, 1234, "handler's changes to the ucontext (rip, rax) took effect");

	signal(SIGUSR2, on_usr2);
	signal(SIGHUP, on_hup);
	raise(SIGHUP);
	is_long(order_len, 3, "nested handlers ran");
	ok(order[0] == 1 && order[1] == 2 && order[2] == 3, "inner handler ran inside the outer one");
	is_long(raise(SIGHUP), 0, "and the process goes on normally");
	return done_testing();
}
